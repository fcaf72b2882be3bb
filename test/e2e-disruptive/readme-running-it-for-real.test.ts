// The README's "Running it for real", taken literally: its commands, as
// written, run one by one on a clean copy of the repository (its committed
// tree) beside far.test's Synapse, and end with a Hearth that answers !help.
// A README edit that breaks the path breaks this test.
//
// The only changes to the commands are mechanical, and docs/testing.md lists
// them: the folders /etc/hearth, /var/lib/hearth and /etc/matrix-synapse move
// under a scratch folder inside the Synapse root filesystem (Synapse runs
// chrooted and must read the registration); the editor line is where the
// test sets the keys the README says to set; `chown matrix-synapse` is
// skipped (the testbed's Synapse runs as root); `systemctl restart
// matrix-synapse` adds the conf.d files to far.test's Synapse and restarts
// it; the start command runs in the background. It restarts far.test's
// Synapse twice, so it runs with the tests that disturb the shared testbed.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, parseDocument } from 'yaml';
import { addSynapseSettings } from '../../testbed/synapse-settings.ts';
import { Member, server, testbed, waitFor } from '../support/member.ts';

const REPO = new URL('../../', import.meta.url).pathname;
const FAR = 'far.test';
/** Free on the testbed: its Hearths listen on 19008 and up, one per server. */
const APPSERVICE_PORT = 19090;
const MOVED_FOLDERS = ['/etc/hearth', '/var/lib/hearth', '/etc/matrix-synapse'] as const;

/** The shell commands of the README's "Running it for real", and the keys its editor line asks to set. */
function readmeSteps(readme: string): { commands: string[]; keysToSet: string[] } {
  const section = /^## Running it for real\n([\s\S]*?)^## /m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "## Running it for real" section');
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('"Running it for real" has no ```sh block');
  const commands = block.split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const editing = /In the editor, set ([\s\S]*?)\n\n/.exec(section)?.[1] ?? '';
  const keysToSet = [...new Set([...editing.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((m) => m[1] ?? ''))];
  return { commands, keysToSet };
}

/** A clean copy: the committed tree, as a fresh clone has it (no node_modules, nothing half-edited). */
function cleanCopy(to: string): void {
  mkdirSync(to, { recursive: true });
  execFileSync('bash', ['-c', `git archive HEAD | tar -x -C '${to}'`], { cwd: REPO });
}

describe('the README\'s "Running it for real", as written', () => {
  const root = testbed().synapse_root;
  const scratch = join(root, 'srv', `readme-${randomBytes(4).toString('hex')}`);
  const checkout = join(scratch, 'checkout');
  const moved = (text: string): string => MOVED_FOLDERS.reduce((line, folder) => line.replaceAll(folder, join(scratch, folder)), text);
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  let hearth: ChildProcess | null = null;
  let restoreSynapse: (() => Promise<void>) | null = null;

  after(async () => {
    if (hearth && hearth.exitCode === null) {
      const exited = new Promise((resolve) => hearth?.once('exit', resolve));
      hearth.kill('SIGTERM');
      await exited;
    }
    await restoreSynapse?.();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('ends with a Hearth on far.test that answers !help', async () => {
    const far = server(FAR);
    const { commands, keysToSet } = readmeSteps(readFileSync(join(REPO, 'README.md'), 'utf8'));
    const values: Record<string, unknown> = {
      'homeserver.server_name': far.name,
      'homeserver.url': far.client_url,
      'appservice.url': `http://127.0.0.1:${APPSERVICE_PORT}`,
      'appservice.port': APPSERVICE_PORT,
      'community.admins': [far.admin_user_id],
    };
    assert.deepEqual([...keysToSet].sort(), Object.keys(values).sort(), 'the README names exactly the keys a new Hearth needs set');
    cleanCopy(checkout);
    // What Debian's matrix-synapse package provides.
    mkdirSync(join(scratch, 'etc/matrix-synapse/conf.d'), { recursive: true });

    for (const written of commands) {
      const command = moved(written);
      if (/^editor /.test(written)) {
        const path = command.slice('editor '.length).trim();
        // The copied sample names the data folder too: it moves like the commands' folders.
        const document = parseDocument(moved(readFileSync(path, 'utf8')));
        for (const [key, value] of Object.entries(values)) document.setIn(key.split('.'), value);
        writeFileSync(path, document.toString());
      } else if (/^chown matrix-synapse /.test(written)) {
        continue;
      } else if (written === 'systemctl restart matrix-synapse') {
        const confD = join(scratch, 'etc/matrix-synapse/conf.d');
        const settings = Object.assign({}, ...readdirSync(confD).sort().map((file) => parse(readFileSync(join(confD, file), 'utf8')) as Record<string, unknown>)) as Record<string, unknown>;
        restoreSynapse = await addSynapseSettings(FAR, settings);
      } else if (/ start -c /.test(written)) {
        const log = openSync(join(scratch, 'hearth.log'), 'a');
        hearth = spawn('bash', ['-c', `exec ${command}`], { cwd: checkout, env, stdio: ['ignore', log, log] });
      } else {
        try {
          execFileSync('bash', ['-c', command], { cwd: checkout, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
        } catch (error) {
          const output = error as { stdout?: Buffer; stderr?: Buffer };
          throw new Error(`the README's command failed: ${written}\n${String(output.stdout ?? '')}${String(output.stderr ?? '')}`, { cause: error });
        }
      }
    }
    assert.ok(hearth, 'the README ends by starting Hearth');

    await waitFor('the README\'s Hearth to be healthy', async () => {
      const response = await fetch(`http://127.0.0.1:${APPSERVICE_PORT}/_hearth/health`).catch(() => null);
      return response?.ok === true;
    }, 120_000);
    const bot = `@hearth:${far.name}`;
    const member = await Member.register(FAR, 'readme');
    const dm = await member.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [bot] });
    await waitFor('the bot to join the DM', async () => (await member.membership(dm, bot)) === 'join', 60_000);
    const reply = await member.waitForReply(dm, bot, await member.send(dm, '!help'), 60_000);
    assert.match(String(reply.content.body), /^Commands:\n!help \[command\]/);
  });
});
