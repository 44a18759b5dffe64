// The User service in Node.js: logins and profiles. One route: who is user N? (The same API as ../app.py.)
'use strict';
const { HttpError, invalid } = require('./kitchen');

const MAX_USER_ID = 2147483647;

/** The path's user id as FastAPI reads an int: "7", "+7", "007" and "7.0" are 7; anything else is a 422. */
function userId(raw) {
  const text = raw.trim();
  if (!/^[+-]?\d+(\.0*)?$/.test(text)) {
    throw invalid(['path', 'user_id'], 'int_parsing',
      'Input should be a valid integer, unable to parse string as an integer', raw);
  }
  const id = Number.parseInt(text, 10);
  if (id < 1) {
    throw invalid(['path', 'user_id'], 'greater_than_equal', 'Input should be greater than or equal to 1', raw, { ge: 1 });
  }
  if (id > MAX_USER_ID) {
    throw invalid(['path', 'user_id'], 'less_than_equal',
      `Input should be less than or equal to ${MAX_USER_ID}`, raw, { le: MAX_USER_ID });
  }
  return id;
}

/** The service's routes: a method, a path pattern, and a handler that answers JSON or throws HttpError. */
function routes(store) {
  return [{
    method: 'GET',
    pattern: /^\/users\/([^/]*)$/,
    summary: 'Get User',
    description: "One user's profile.",
    template: '/users/{user_id}',
    handle(match) {
      const id = userId(decodeURIComponent(match[1]));
      const user = store.get(id);
      if (user === undefined) throw new HttpError(404, `there is no user ${id}`);
      return user;
    },
  }];
}

module.exports = { routes, userId, MAX_USER_ID };
