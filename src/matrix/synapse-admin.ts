// The few calls Hearth makes to Synapse's admin API, with the optional admin
// token from the config. Kept apart from the bot's client: it is a different
// credential with far more power, used only where the config grants it.
import type { Logger } from '../logging/logger.ts';

export interface SynapseAdmin {
  /** Every local, non-guest, active account. */
  localUsers(): Promise<string[]>;
}

interface UsersPage {
  users: { name: string; is_guest?: boolean | number; deactivated?: boolean | number }[];
  next_token?: string | number;
}

export function createSynapseAdmin(homeserverUrl: string, adminToken: string, log: Logger): SynapseAdmin {
  async function page(from: string | null): Promise<UsersPage> {
    const url = new URL('/_synapse/admin/v2/users', homeserverUrl);
    url.searchParams.set('guests', 'false');
    url.searchParams.set('deactivated', 'false');
    url.searchParams.set('limit', '500');
    if (from !== null) url.searchParams.set('from', from);
    const response = await fetch(url, { headers: { authorization: `Bearer ${adminToken}` } });
    if (!response.ok) {
      const body = await response.text();
      log.warn('the Synapse admin API refused the user list', { status: response.status });
      throw new Error(`Synapse admin API: ${response.status} ${body.slice(0, 200)} (is homeserver.admin_token an admin's token?)`);
    }
    return (await response.json()) as UsersPage;
  }

  return {
    async localUsers() {
      const users: string[] = [];
      let from: string | null = null;
      do {
        const result = await page(from);
        users.push(...result.users.filter((u) => !u.is_guest && !u.deactivated).map((u) => u.name));
        from = result.next_token === undefined ? null : String(result.next_token);
      } while (from !== null);
      return users;
    },
  };
}
