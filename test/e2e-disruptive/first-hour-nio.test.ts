// A member's first hour, through a Matrix client that shares no code with
// Hearth: matrix-nio with olm, Debian's packages in the testbed's root
// filesystem (test/nio/first_hour.py). It accepts Hearth's invitations, opens
// an encrypted DM with the bot and reads its greeting and its answer to
// !help, creates a topic room, and sends a broadcast that a second nio member
// decrypts. It broadcasts to every member of camp.test, so it runs with the
// tests that disturb the shared testbed, one at a time.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { registerUser } from '../../testbed/testbed.ts';
import { botOf } from '../support/hearth.ts';
import { server, testbed } from '../support/member.ts';

const CAMP = 'camp.test';
const SCRIPT = new URL('../nio/first_hour.py', import.meta.url).pathname;

interface Answer { body: string; decrypted: boolean }
interface FirstHour {
  joined_rooms: string[];
  greeting: Answer;
  help: Answer;
  room_create: Answer;
  topic_room_joined: string[];
  bugle_draft: Answer;
  bugle_send: Answer;
  broadcast_received: Answer & { formatted_body: string | null };
  undecryptable: unknown[];
}

/** Runs the nio script inside the root filesystem, with a clean environment, and reads its report. */
function runInRoot(job: unknown): Promise<FirstHour> {
  const root = testbed().synapse_root;
  const folder = join(root, 'tmp', 'hearth-nio');
  mkdirSync(folder, { recursive: true });
  copyFileSync(SCRIPT, join(folder, 'first_hour.py'));
  return new Promise((resolve, reject) => {
    const child = spawn('chroot', [root, 'python3', '/tmp/hearth-nio/first_hour.py'], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/tmp' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the nio client exited with ${String(code)}:\n${stderr.split('\n').filter((l) => !/^(INFO|DEBUG|WARNING):/.test(l)).slice(-20).join('\n')}`));
      else resolve(JSON.parse(stdout) as FirstHour);
    });
    child.stdin.end(JSON.stringify(job));
  });
}

describe('a member\'s first hour, with matrix-nio', () => {
  it('accepts the invitations, is greeted and answered in an encrypted DM, makes a room, and broadcasts to a member who decrypts it', async () => {
    const camp = server(CAMP);
    const suffix = randomBytes(3).toString('hex');
    const people = await Promise.all(['nio-alice', 'nio-bob'].map(async (name) => {
      const password = `pw-${name}-${suffix}`;
      const user = await registerUser(camp, `${name}-${suffix}`, password);
      return { user_id: user.user_id, password };
    }));
    const broadcast = `Soup night at the common room ${suffix}, bring a bowl`;
    const report = await runInRoot({
      homeserver: camp.client_url,
      bot: botOf(CAMP),
      bugle: `@hearth_bugle:${CAMP}`,
      alice: people[0],
      bob: people[1],
      expect_rooms: ['Camp', 'Local timeline'],
      room_name: 'Knitting circle',
      broadcast,
    });

    assert.ok(report.joined_rooms.includes('Camp'), `joined the community space (joined ${report.joined_rooms.join(', ')})`);
    assert.ok(report.joined_rooms.includes('Local timeline'));

    assert.deepEqual(report.greeting, { body: report.greeting.body, decrypted: true });
    assert.match(report.greeting.body, /^Hello! I'm Hearth, the host of Camp\. Say !help/);
    assert.equal(report.help.decrypted, true, 'the answer to !help was encrypted, and nio decrypted it');
    assert.match(report.help.body, /!room create <name>/);

    assert.match(report.room_create.body, /^Created "Knitting circle"\./);
    assert.ok(report.topic_room_joined.includes('Knitting circle'));

    assert.match(report.bugle_draft.body, /^This will go to \d+ members? by DM:/);
    assert.match(report.bugle_send.body, /^Sending to \d+ members?\./);
    assert.equal(report.broadcast_received.decrypted, true, 'bob decrypted the broadcast');
    assert.equal(report.broadcast_received.body, `📯 Bugle from ${people[0]!.user_id.slice(1, people[0]!.user_id.indexOf(':'))} (${people[0]!.user_id}): ${broadcast}`);
    assert.deepEqual(report.undecryptable, []);

    // Every encrypted command waited a moment for its keys; none of that is a warning.
    const log = readFileSync(camp.hearth?.log_path ?? '', 'utf8').split('\n');
    assert.deepEqual(log.filter((line) => line.includes('"level":"warn"') && line.includes('Failed to decrypt a room event')), []);
  });
});
