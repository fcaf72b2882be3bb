// The lists of servers the tier policy reads: this community's neighbors, and
// the servers it has defederated.
import type { Database } from './database.ts';

export interface ServerListsStore {
  neighbors(): Promise<string[]>;
  addNeighbor(serverName: string, now: number): Promise<void>;
  removeNeighbor(serverName: string): Promise<void>;
  defederated(): Promise<string[]>;
}

export function createServerListsStore(db: Database): ServerListsStore {
  return {
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
    async defederated() {
      const rows: { server_glob: string }[] = await db('defederated_servers').orderBy('server_glob').select('server_glob');
      return rows.map((r) => r.server_glob);
    },
  };
}
