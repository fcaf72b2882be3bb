// A knex client backed by Node's built-in SQLite (node:sqlite). It reuses
// knex's SQLite dialect and replaces only the driver calls, so Hearth needs no
// native addon: nothing to compile on a Raspberry Pi, nothing to download.
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import BetterSqliteClient, { type QueryObject } from 'knex/lib/dialects/better-sqlite3/index.js';

export class NodeSqliteClient extends BetterSqliteClient {
  override _driver(): unknown {
    return { DatabaseSync };
  }

  override acquireRawConnection(): Promise<DatabaseSync> {
    const db = new DatabaseSync(this.connectionSettings.filename);
    // WAL lets readers proceed during a write; the busy timeout covers a second
    // process (a CLI command) touching the file while Hearth runs.
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    return Promise.resolve(db);
  }

  override destroyRawConnection(connection: unknown): Promise<void> {
    (connection as DatabaseSync).close();
    return Promise.resolve();
  }

  override _query(connection: unknown, obj: QueryObject): Promise<QueryObject> {
    if (!obj.sql) return Promise.reject(new Error('The query is empty'));
    const statement = (connection as DatabaseSync).prepare(obj.sql);
    const bindings = this._formatBindings(obj.bindings) as SQLInputValue[];
    if (statement.columns().length > 0) {
      obj.response = statement.all(...bindings);
      return Promise.resolve(obj);
    }
    const result = statement.run(...bindings);
    obj.response = result;
    obj.context = { lastID: result.lastInsertRowid, changes: result.changes };
    return Promise.resolve(obj);
  }
}

Object.assign(NodeSqliteClient.prototype, { driverName: 'node:sqlite' });
