import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.ts';
import { buildRegistration, fillPlaceholderTokens } from '../../src/config/registration.ts';
import { unsafeValues } from '../../src/config/safety.ts';
import { renderSampleConfig } from '../../src/config/sample.ts';
import { renderConfigReference } from '../../src/config/reference.ts';
import { testConfig } from '../support/config.ts';

function problemsOf(document: unknown): { path: string; message: string }[] {
  try {
    parseConfig(document, 'config.yaml', '/etc/hearth');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

const minimal = {
  homeserver: { server_name: 'camp.test', url: 'http://127.0.0.1:8008' },
  appservice: { url: 'http://127.0.0.1:9993' },
};

describe('configuration', () => {
  it('fills every default from the schema', () => {
    const config = parseConfig(minimal, 'config.yaml', '/etc/hearth');
    assert.equal(config.appservice.port, 9993);
    assert.equal(config.database.engine, 'sqlite');
    assert.equal(config.database.sqlite_path, '/var/lib/hearth/hearth.sqlite');
    assert.deepEqual(config.community.admins, []);
  });

  it('keeps SQLite\'s in-memory database in memory rather than making it a file beside the config', () => {
    const config = parseConfig({ ...minimal, database: { sqlite_path: ':memory:' } }, 'config.yaml', '/etc/hearth');
    assert.equal(config.database.sqlite_path, ':memory:');
  });

  it('names the key of a value with the wrong type', () => {
    const problems = problemsOf({ ...minimal, appservice: { ...minimal.appservice, port: 'ninety' } });
    assert.deepEqual(problems.map((p) => p.path), ['appservice.port']);
    assert.match(problems.map((p) => p.message).join(), /integer/);
  });

  it('keeps the inbox\'s settled events between a day and ten years, and names the key outside them', () => {
    for (const days of [0, 3_651, 1e20]) {
      const problems = problemsOf({ ...minimal, inbox: { keep_days: days } });
      assert.deepEqual(problems.map((p) => p.path), ['inbox.keep_days'], String(days));
    }
    assert.equal(parseConfig({ ...minimal, inbox: { keep_days: 3_650 } }, 'config.yaml', '/etc/hearth').inbox.keep_days, 3_650);
  });

  it('reports a misspelt key by its path', () => {
    const problems = problemsOf({ ...minimal, database: { enigne: 'sqlite' } });
    assert.deepEqual(problems.map((p) => p.path), ['database.enigne']);
    assert.match(problems[0]?.message ?? '', /unknown key/);
  });

  it('says which required key is missing', () => {
    const problems = problemsOf({ appservice: minimal.appservice });
    assert.ok(problems.some((p) => p.path === 'homeserver'), JSON.stringify(problems));
  });

  it('asks for a PostgreSQL URL when the engine is postgres', () => {
    const problems = problemsOf({ ...minimal, database: { engine: 'postgres' } });
    assert.deepEqual(problems.map((p) => p.path), ['database.postgres_url']);
  });

  it('names the file and the problem when the YAML does not parse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-config-'));
    const path = join(dir, 'config.yaml');
    writeFileSync(path, 'homeserver: [unclosed\n');
    assert.throws(() => loadConfig(path), (error: Error) => error.message.includes(path) && /not valid YAML/.test(error.message));
  });

  it('refuses placeholder tokens and keys and example domains, saying why', () => {
    const config = parseConfig({ ...minimal, homeserver: { ...minimal.homeserver, server_name: 'example.org' } }, 'c', '/');
    const paths = unsafeValues(config).map((p) => p.path);
    assert.deepEqual(paths.sort(), ['appservice.as_token', 'appservice.hs_token', 'encryption.store_key', 'homeserver.server_name']);
  });

  it('asks for a 64-hex-character store key while encryption is on, and for none when it is off', () => {
    const short = testConfig({ encryption: { store_key: 'abc123' } });
    assert.deepEqual(unsafeValues(short), [{ path: 'encryption.store_key', message: 'must be 64 hex characters (32 bytes)' }]);
    assert.deepEqual(unsafeValues(testConfig({ encryption: { enabled: false, store_key: 'CHANGE_ME_store_key' } })), []);
  });

  it('accepts a filled-in config', () => {
    assert.deepEqual(unsafeValues(testConfig()), []);
  });

  it('keeps config/config.sample.yaml in step with the schema', () => {
    const committed = readFileSync(new URL('../../config/config.sample.yaml', import.meta.url), 'utf8');
    assert.equal(committed, renderSampleConfig(), 'regenerate it: node src/cli.ts sample-config > config/config.sample.yaml');
  });

  it('keeps the key reference in docs/configuration.md in step with the schema', () => {
    const docs = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    assert.ok(docs.includes(renderConfigReference()), 'regenerate it: node src/cli.ts config-reference, between its markers');
  });

  it('documents every key in the sample, which itself loads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-sample-'));
    const path = join(dir, 'config.yaml');
    writeFileSync(path, renderSampleConfig());
    const config = loadConfig(path);
    assert.equal(config.homeserver.server_name, 'camp.example.org');
  });
});

describe('registration', () => {
  it('asks for to-device messages and device lists (MSC2409, MSC3202) only while encryption is on', () => {
    const on = buildRegistration(testConfig());
    assert.equal(on.receive_ephemeral, true);
    assert.equal(on['org.matrix.msc3202'], true);
    const off = buildRegistration(testConfig({ encryption: { enabled: false } }));
    assert.equal('receive_ephemeral' in off || 'org.matrix.msc3202' in off, false);
  });

  it('claims the bot namespace exclusively, escaped, and is not rate limited', () => {
    const registration = buildRegistration(testConfig({ serverName: 'camp.test' }));
    assert.equal(registration.rate_limited, false);
    assert.equal(registration.sender_localpart, 'hearth');
    assert.deepEqual(registration.namespaces.users, [{ exclusive: true, regex: '@hearth_.*:camp\\.test' }]);
    assert.deepEqual(registration.namespaces.aliases, [{ exclusive: true, regex: '#hearth_.*:camp\\.test' }]);
  });

  it('replaces placeholder tokens and the store key in the config with random ones and keeps comments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-reg-'));
    const path = join(dir, 'config.yaml');
    writeFileSync(path, renderSampleConfig());
    assert.deepEqual(fillPlaceholderTokens(path), ['appservice.as_token', 'appservice.hs_token', 'encryption.store_key']);
    assert.match(loadConfig(path).encryption.store_key, /^[0-9a-f]{64}$/);
    const config = loadConfig(path);
    assert.match(config.appservice.as_token, /^[0-9a-f]{64}$/);
    assert.notEqual(config.appservice.as_token, config.appservice.hs_token);
    assert.match(readFileSync(path, 'utf8'), /# Token Hearth uses to call the homeserver/);
    assert.deepEqual(fillPlaceholderTokens(path), [], 'real tokens are kept');
  });
});
