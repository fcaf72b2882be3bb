// A knex client backed by Node's built-in SQLite (node:sqlite). It reuses
// knex's SQLite dialect and replaces only the driver calls, so Hearth needs no
// native addon: nothing to compile on a Raspberry Pi, nothing to download.
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { Knex } from 'knex';
import BetterSqliteClient, { type QueryObject } from 'knex/lib/dialects/better-sqlite3/index.js';

/**
 * Compiled statements by their SQL, per connection: Hearth runs the same few
 * dozen statements over and over (the inbox's above all), and compiling one
 * costs more than running it. Bounded, for the rare statement built per call.
 */
const STATEMENT_CACHE_SIZE = 200;

interface Prepared {
  statement: StatementSync;
  returnsRows: boolean;
}

const preparedBy = new WeakMap<DatabaseSync, Map<string, Prepared>>();

function prepared(connection: DatabaseSync, sql: string): Prepared {
  let cache = preparedBy.get(connection);
  if (!cache) {
    cache = new Map();
    preparedBy.set(connection, cache);
  }
  const known = cache.get(sql);
  if (known) return known;
  const statement = connection.prepare(sql);
  const fresh = { statement, returnsRows: statement.columns().length > 0 };
  // The oldest goes first; a Map keeps insertion order.
  if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
  cache.set(sql, fresh);
  return fresh;
}

/** The statement of this SQL on this connection, compiled once. */
export function statementOf(connection: DatabaseSync, sql: string): StatementSync {
  return prepared(connection, sql).statement;
}

/**
 * Runs `work` in one database transaction on the SQLite database's one
 * connection, with no query builder between: for a hot path whose statements
 * are few and fixed, where building each of them costs more than running it.
 * `work` is synchronous, as node:sqlite is, so nothing else in the process
 * runs between its statements; it commits when `work` returns and rolls back
 * when it throws.
 */
export async function inSqliteTransaction<T>(db: Knex, work: (connection: DatabaseSync) => T): Promise<T> {
  const client = db.client as Knex.Client;
  const connection = (await client.acquireConnection()) as DatabaseSync;
  try {
    connection.exec('BEGIN');
    try {
      const result = work(connection);
      connection.exec('COMMIT');
      return result;
    } catch (error) {
      if (connection.isTransaction) connection.exec('ROLLBACK');
      throw error;
    }
  } finally {
    await client.releaseConnection(connection);
  }
}

export class NodeSqliteClient extends BetterSqliteClient {
  override _driver(): unknown {
    return { DatabaseSync };
  }

  override acquireRawConnection(): Promise<DatabaseSync> {
    const db = new DatabaseSync(this.connectionSettings.filename);
    // WAL lets readers proceed during a write; the busy timeout covers a second
    // process (a CLI command) touching the file while Hearth runs. FULL syncs
    // the WAL at every commit, so a transaction Hearth acknowledged survives a
    // power cut, not only a crash (NORMAL would lose the last ones: see
    // "SQLite syncs every commit" in docs/decisions.md).
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    return Promise.resolve(db);
  }

  override destroyRawConnection(connection: unknown): Promise<void> {
    (connection as DatabaseSync).close();
    return Promise.resolve();
  }

  override _query(connection: unknown, obj: QueryObject): Promise<QueryObject> {
    if (!obj.sql) return Promise.reject(new Error('The query is empty'));
    const { statement, returnsRows } = prepared(connection as DatabaseSync, obj.sql);
    const bindings = this._formatBindings(obj.bindings) as SQLInputValue[];
    if (returnsRows) {
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
