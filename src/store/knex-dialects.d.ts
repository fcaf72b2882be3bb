// knex ships its SQLite dialect without type declarations; this describes the
// few members Hearth's node:sqlite driver overrides.
declare module 'knex/lib/dialects/better-sqlite3/index.js' {
  export interface QueryObject {
    sql?: string;
    bindings?: readonly unknown[];
    response?: unknown;
    context?: { lastID: number | bigint; changes: number | bigint };
  }
  export default class BetterSqliteClient {
    constructor(config: object);
    connectionSettings: { filename: string };
    _driver(): unknown;
    acquireRawConnection(): Promise<unknown>;
    destroyRawConnection(connection: unknown): Promise<void>;
    _query(connection: unknown, obj: QueryObject): Promise<QueryObject>;
    _formatBindings(bindings: readonly unknown[] | undefined): unknown[];
  }
}
