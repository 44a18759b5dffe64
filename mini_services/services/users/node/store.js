// The User service's own database (the same file, schema and seed rows as ../store.py): one table of people.
'use strict';
const path = require('node:path');
const Database = require('better-sqlite3');

const SCHEMA = `CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, country TEXT NOT NULL
)`;
const FIRST = ['Ada', 'Bea', 'Cal', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Juno'];
const LAST = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Silva'];
const COUNTRIES = ['GB', 'NG', 'SE', 'FR', 'JP', 'BR', 'IN', 'US'];

class UserStore {
  /** Open (or create and seed) users.sqlite3 in the kitchen's data directory. */
  constructor(dataDir) {
    this.db = new Database(path.join(dataDir, 'users.sqlite3'), { timeout: 10000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const insert = this.db.prepare('INSERT OR IGNORE INTO users VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (let i = 1; i <= 50; i += 1) {
        const first = FIRST[i % FIRST.length];
        const last = LAST[i % LAST.length];
        insert.run(i, `${first} ${last}`, `${first.toLowerCase()}.${i}@example.com`, COUNTRIES[i % COUNTRIES.length]);
      }
    }).immediate();
    this.byId = this.db.prepare('SELECT * FROM users WHERE id = ?');
  }

  /** One person's row, or undefined. */
  get(userId) {
    return this.byId.get(userId);
  }

  /** Each table with its row count and newest rows (what a lesson shows of this database). */
  tables(sample = 5) {
    const names = this.db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all();
    return names.map(({ name }) => ({
      name,
      rows: this.db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get().n,
      sample: this.db.prepare(`SELECT * FROM "${name}" ORDER BY rowid DESC LIMIT ?`).all(sample),
    }));
  }
}

module.exports = { UserStore };
