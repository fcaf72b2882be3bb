// The operator's commands that need no homeserver to be understood: the
// Synapse settings Hearth prints, and the checks check-config makes offline.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { checkConfig, checkMemberCap, checkOnboardingTexts, checkUrlAndPort } from '../../src/cli/check-config.ts';
import { renderSynapseSnippet } from '../../src/cli/synapse-snippet.ts';
import { randomToken, testConfig } from '../support/config.ts';

describe('hearth synapse-snippet', () => {
  const config = testConfig({ serverName: 'camp.test' });
  const snippet = parse(renderSynapseSnippet(config, '/etc/hearth/config.yaml', '/var/lib/hearth/registration.yaml')) as Record<string, unknown>;

  it('prints every Synapse setting Hearth needs, as YAML Synapse reads', () => {
    assert.deepEqual(snippet, {
      app_service_config_files: ['/var/lib/hearth/registration.yaml'],
      use_appservice_legacy_authorization: false,
      experimental_features: { msc2409_to_device_messages_enabled: true, msc3202_transaction_extensions: true },
      room_list_publication_rules: [{ user_id: '@hearth:camp.test', action: 'allow' }, { action: 'deny' }],
      alias_creation_rules: [{ action: 'deny' }],
      allow_guest_access: true,
      enable_registration: true,
      registration_requires_token: true,
    });
  });

  it('leaves out the encryption flags when the bots do not encrypt', () => {
    const plain = parse(renderSynapseSnippet(testConfig({ encryption: { enabled: false } }), 'c.yaml', 'r.yaml')) as Record<string, unknown>;
    assert.equal('experimental_features' in plain, false);
  });

  it('says why each setting is there', () => {
    const text = renderSynapseSnippet(config, '/etc/hearth/config.yaml', '/var/lib/hearth/registration.yaml');
    assert.match(text, /# Only Hearth's bot lists rooms in the directory/);
    assert.match(text, /# Nobody makes aliases/);
  });
});

describe('hearth check-config', () => {
  it('checks that the code of conduct the config names can be read', () => {
    const config = testConfig();
    config.community.code_of_conduct = '/nonexistent/code-of-conduct.md';
    const [finding] = checkOnboardingTexts(config);
    assert.ok(finding);
    assert.equal(finding.ok, false);
    assert.match(finding.text, /community\.code_of_conduct: cannot read \/nonexistent\/code-of-conduct\.md/);
    const dir = mkdtempSync(join(tmpdir(), 'hearth-coc-'));
    config.community.code_of_conduct = join(dir, 'coc.md');
    writeFileSync(config.community.code_of_conduct, '# Be kind\n');
    assert.deepEqual(checkOnboardingTexts(config).map((f) => f.ok), [true]);
  });

  it('warns, citing the guide, when the member cap is above 100, without counting it as a problem', () => {
    const config = testConfig();
    config.community.max_members = 150;
    const finding = checkMemberCap(config);
    assert.ok(finding);
    assert.equal(finding.ok, true);
    assert.equal(finding.warning, true);
    assert.match(finding.text, /community\.max_members is 150\. "Run your own social".*50 to 100 people/);
    config.community.max_members = 100;
    assert.equal(checkMemberCap(config), null);
  });

  it('finds an appservice.url whose port is not appservice.port', () => {
    const finding = checkUrlAndPort(testConfig({ appservice: { url: 'http://127.0.0.1:9000', port: 9993 } }));
    assert.equal(finding.ok, false);
    assert.match(finding.text, /names port 9000, but Hearth listens on appservice.port 9993/);
    assert.equal(checkUrlAndPort(testConfig({ appservice: { url: 'http://hearth', port: 80 } })).ok, true);
  });

  it('says when the homeserver does not answer, and checks nothing of its side then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-check-'));
    const path = join(dir, 'config.yaml');
    writeFileSync(path, stringify({
      homeserver: { server_name: 'camp.test', url: 'http://127.0.0.1:1' },
      appservice: { url: 'http://127.0.0.1:9993', port: 9993, as_token: randomToken(), hs_token: randomToken() },
      encryption: { store_key: randomToken() },
      database: { sqlite_path: join(dir, 'data', 'hearth.sqlite') },
    }));
    const findings = await checkConfig(path);
    assert.deepEqual(findings.map((f) => f.ok), [true, true, true, false, false]);
    assert.match(findings[3]?.text ?? '', /the homeserver does not answer at http:\/\/127\.0\.0\.1:1/);
  });
});
