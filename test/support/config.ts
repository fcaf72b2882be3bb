// Builds valid configs for tests, with real-looking random tokens.
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';

export function randomToken(): string {
  return randomBytes(32).toString('hex');
}

export interface TestConfigOverrides {
  serverName?: string;
  homeserverUrl?: string;
  database?: Partial<Config['database']>;
  appservice?: Partial<Config['appservice']>;
  admins?: string[];
  encryption?: Partial<Config['encryption']>;
}

export function testConfig(overrides: TestConfigOverrides = {}): Config {
  return parseConfig({
    homeserver: { server_name: overrides.serverName ?? 'camp.test', url: overrides.homeserverUrl ?? 'http://127.0.0.1:1' },
    appservice: { url: 'http://127.0.0.1:1', port: 0, as_token: randomToken(), hs_token: randomToken(), ...overrides.appservice },
    community: { name: 'Test Camp', admins: overrides.admins ?? [] },
    encryption: { store_key: randomToken(), ...overrides.encryption },
    database: { engine: 'sqlite', sqlite_path: ':memory:', ...overrides.database },
    logging: { level: process.env.HEARTH_TEST_LOG_LEVEL ?? 'error', format: 'text' },
  }, 'test config', process.cwd());
}
