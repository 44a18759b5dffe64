// Process entry of one Node.js replica of the User service (the twin of ../../../kit/replica.py).
// The control plane hands over a listening socket by its fd and a JSON description in KITCHEN_REPLICA;
// the replica exits when its owner (the control plane) is gone, whatever killed the owner.
'use strict';
const http = require('node:http');
const { UserStore } = require('./store');
const { routes } = require('./users');
const { HttpError, Capacity, applyFaults, jsonBody, kitchenRoutes, isWork, readConfig } = require('./kitchen');
const { setupTracing, serverSpan, endSpan, traceId } = require('./tracing');

const spec = JSON.parse(process.env.KITCHEN_REPLICA);
const log = (message) => console.log(`${new Date().toISOString()} ${spec.replica_id} ${message}`);

const replica = {
  id: spec.replica_id,
  service: spec.service,
  topology: spec.topology,
  config: readConfig(spec.config),
  store: new UserStore(spec.data_dir),
  apply(config) {
    for (const [name, value] of Object.entries(config.faults)) {
      if (this.config.faults[name] !== value) log(`${this.service}: ${name} ${this.config.faults[name]} -> ${value}`);
    }
    this.config = config;
  },
};
replica.routes = routes(replica.store);
const ownRoutes = [...kitchenRoutes(replica), ...replica.routes];
const capacity = new Capacity(spec.station);
const { provider, tracer } = setupTracing(spec.service, spec.replica_id, spec.control_url, spec.span_export_delay_ms ?? 100);

function send(response, status, body, headers = {}) {
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
  response.end(payload);
}

/** Find the route for this method and path: [route, match], or an HttpError 404 / 405 as FastAPI answers. */
function route(method, pathname) {
  const matching = ownRoutes.map((r) => [r, pathname.match(r.pattern)]).filter(([, match]) => match);
  if (matching.length === 0) throw new HttpError(404, 'Not Found');
  const found = matching.find(([r]) => r.method === method);
  if (!found) throw Object.assign(new HttpError(405, 'Method Not Allowed'), { allow: matching.map(([r]) => r.method).join(', ') });
  return found;
}

async function answer(request, pathname) {
  const [found, match] = route(request.method, pathname);
  const body = found.body ? await jsonBody(request) : undefined;
  return found.handle(match, body);
}

async function handle(request, response) {
  const pathname = new URL(request.url, 'http://replica').pathname;
  if (!isWork(pathname)) { // the kitchen's own calls: no span, no faults, no capacity
    try {
      send(response, 200, await answer(request, pathname));
    } catch (error) {
      reply(response, error);
    }
    return;
  }
  const span = serverSpan(tracer, request, pathname);
  const traced = { 'x-trace-id': traceId(span) };
  try {
    await applyFaults(replica.service, replica.config);
    const body = await capacity.run(() => answer(request, pathname));
    send(response, 200, body, traced);
    endSpan(span, 200);
  } catch (error) {
    endSpan(span, reply(response, error, traced), error instanceof HttpError ? error.detail : undefined);
  }
}

/** Answer an error as FastAPI does ({"detail": ...}); anything unexpected is a 500 and is logged. */
function reply(response, error, headers = {}) {
  if (!(error instanceof HttpError)) {
    log(`unexpected error: ${error.stack || error}`);
    send(response, 500, { detail: 'Internal Server Error' }, headers);
    return 500;
  }
  send(response, error.status, { detail: error.detail }, { ...headers, ...(error.allow ? { allow: error.allow } : {}) });
  return error.status;
}

const server = http.createServer((request, response) => { handle(request, response); });
server.keepAliveTimeout = 5000; // as uvicorn's
server.listen({ fd: spec.fd }, () => log(`listening (Node.js ${process.version})`));

let stopping = false;
function stop(why) {
  if (stopping) return;
  stopping = true;
  log(`stopping: ${why}`);
  // in-flight requests finish (2 s at most, as uvicorn's graceful shutdown), then the last spans are shipped
  server.close(() => provider.shutdown().finally(() => process.exit(0)));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
setInterval(() => { if (process.ppid !== spec.owner_pid) stop('the control plane is gone'); }, 500).unref();
