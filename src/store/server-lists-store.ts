// The lists of servers the tier policy reads: this community's neighbors, and
// the servers it has defederated.
import type { Database } from './database.ts';

export interface ServerLists {
  neighbors: string[];
  defederated: string[];
}

export interface ServerListsStore {
  /** Both lists in one read: what every ACL decision needs. */
  both(): Promise<ServerLists>;
  neighbors(): Promise<string[]>;
  addNeighbor(serverName: string, now: number): Promise<void>;
  removeNeighbor(serverName: string): Promise<void>;
  /** Replaces the neighbor list with the one derived from the councils; returns whether it changed. */
  replaceNeighbors(servers: readonly string[], now: number): Promise<boolean>;
  defederated(): Promise<string[]>;
}

interface ListRow {
  list: string;
  entry: string;
}

export function createServerListsStore(db: Database): ServerListsStore {
  return {
    async both() {
      // PostgreSQL answers a raw query with { rows }, SQLite with the rows themselves.
      const result = await db.raw<{ rows?: ListRow[] } | ListRow[]>(
        `select 'neighbor' as list, server_name as entry from neighborhood_servers
         union all select 'defederated' as list, server_glob as entry from defederated_servers`,
      );
      const all = Array.isArray(result) ? result : result.rows ?? [];
      const pick = (list: string): string[] => all.filter((r) => r.list === list).map((r) => r.entry).sort();
      return { neighbors: pick('neighbor'), defederated: pick('defederated') };
    },
    async neighbors() {
      const rows: { server_name: string }[] = await db('neighborhood_servers').orderBy('server_name').select('server_name');
      return rows.map((r) => r.server_name);
    },
    async addNeighbor(serverName, now) {
      await db('neighborhood_servers').insert({ server_name: serverName, added_at: now }).onConflict('server_name').ignore();
    },
    async removeNeighbor(serverName) {
      await db('neighborhood_servers').where({ server_name: serverName }).delete();
    },
    async replaceNeighbors(servers, now) {
      return db.transaction(async (trx) => {
        const rows: { server_name: string }[] = await trx('neighborhood_servers').select('server_name');
        const current = rows.map((r) => r.server_name).sort();
        const wanted = [...new Set(servers)].sort();
        if (current.join(',') === wanted.join(',')) return false;
        await trx('neighborhood_servers').delete();
        if (wanted.length > 0) await trx('neighborhood_servers').insert(wanted.map((server_name) => ({ server_name, added_at: now })));
        return true;
      });
    },
    async defederated() {
      const rows: { server_glob: string }[] = await db('defederated_servers').orderBy('server_glob').select('server_glob');
      return rows.map((r) => r.server_glob);
    },
  };
}
