// Text a member gives Hearth and Hearth repeats to others (room names,
// reasons, broadcasts) is one line where a line is expected, bounded, and
// free of characters that reverse the text around them; and no reply repeats
// a member's input unbounded, so none is too large to send.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandContext } from '../../src/commands/command.ts';
import { checkText, NAME_MAX, quoted } from '../../src/commands/text.ts';
import { renderBroadcast } from '../../src/bugle/message.ts';
import type { ManagedRoomRow, ManagedRoomsStore } from '../../src/store/managed-rooms-store.ts';
import type { RoomSpec } from '../../src/tiers/creation.ts';
import { commandCatalog, partial } from '../support/command-catalog.ts';

const alice: CommandContext = { sender: '@alice:camp.test', roomId: '!dm:camp.test', eventId: '$create', isAdmin: false };
const admin: CommandContext = { ...alice, sender: '@admin:camp.test', isAdmin: true };

const RLO = '\u202e';
const INJECTED = 'Announcements (official) — https://matrix.to/#/!evil:attacker.example';
/** The longest reply any of these inputs may get: a few hundred characters, whatever was typed. */
const SHORT = 1_000;

function creatingTable(): { ask: (body: string, as?: CommandContext) => Promise<string>; created: RoomSpec[] } {
  const created: RoomSpec[] = [];
  const table = commandCatalog({ tiers: { ensureRoom: (spec) => { created.push(spec); return Promise.resolve('!new:camp.test'); } } });
  return { ask: async (body, as = alice) => (await table.execute(as, body)).text, created };
}

describe('text others will read', () => {
  const name = { what: 'name', maxLength: NAME_MAX, multiline: false };

  it('is trimmed and kept as typed when it is one clean line', () => {
    assert.deepEqual(checkText('  Book club 📚 ', name), { ok: true, text: 'Book club 📚' });
    assert.deepEqual(checkText('نادي الكتاب', name), { ok: true, text: 'نادي الكتاب' }, 'right-to-left script needs no control characters');
  });

  it('refuses a line break, a direction control, any other control character, and a name past its length', () => {
    assert.deepEqual(checkText(`Book club\n${INJECTED}`, name), { ok: false, problem: 'name must be one line' });
    assert.deepEqual(checkText('Book club\u2028more', name), { ok: false, problem: 'name must be one line' });
    for (const control of ['\u202a', '\u202b', '\u202c', '\u202d', RLO, '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c']) {
      const verdict = checkText(`Book${control}club`, name);
      assert.equal(verdict.ok, false, `U+${control.codePointAt(0)?.toString(16)}`);
      assert.match(verdict.problem, /changes the direction of text \(U\+[0-9A-F]{4}\)/);
    }
    assert.deepEqual(checkText('Book\u0007club', name), { ok: false, problem: 'name contains a control character (U+0007); remove it and try again' });
    assert.deepEqual(checkText('Book\u0085club', name), { ok: false, problem: 'name contains a control character (U+0085); remove it and try again' });
    assert.deepEqual(checkText('x'.repeat(10_000), name), { ok: false, problem: 'name is 10000 characters long; at most 100 are allowed' });
    assert.deepEqual(checkText('x'.repeat(100), name), { ok: true, text: 'x'.repeat(100) });
  });

  it('allows line breaks and tabs in a message, never direction controls', () => {
    const message = { what: 'message', maxLength: 2_000, multiline: true };
    assert.deepEqual(checkText('Movie night\r\n\tFriday at 8', message), { ok: true, text: 'Movie night\n\tFriday at 8' });
    assert.equal(checkText(`Movie night ${RLO}8 ta yadirF`, message).ok, false);
  });

  it('is neutralised where it cannot be refused: one line, no direction controls, cut with an ellipsis', () => {
    assert.equal(quoted(`Book club\n${RLO}${INJECTED}`), `Book club ${INJECTED}`);
    const cut = quoted('x'.repeat(64_000));
    assert.equal(Array.from(cut).length, 200);
    assert.ok(cut.endsWith('…'));
    assert.equal(quoted('short'), 'short');
  });
});

describe('a room name', () => {
  it('!room create refuses a name with a line break, a right-to-left override or 10,000 characters, and creates nothing', async () => {
    const { ask, created } = creatingTable();
    assert.match(await ask(`!room create "Book club\n${INJECTED}"`), /^name must be one line\. Usage: !room create <name>/);
    assert.match(await ask(`!room create "Book club ${RLO}gro.elpmaxe"`), /^name contains a character that changes the direction of text \(U\+202E\)/);
    const long = await ask(`!room create ${'x'.repeat(10_000)}`);
    assert.match(long, /^name is 10000 characters long; at most 100 are allowed/);
    assert.ok(long.length < SHORT);
    assert.deepEqual(created, []);
  });

  it('!room list shows a name stored before these checks on its own line, and never an injected one', async () => {
    const row = (roomId: string, name: string): ManagedRoomRow =>
      ({ creationKey: `topic:${roomId}`, roomId, role: 'topic', tier: 'public', name, encrypted: false, requestedBy: null, createdAt: 0 });
    const rooms = partial<ManagedRoomsStore>('rooms', { all: () => Promise.resolve([row('!old:camp.test', `Book club\n${RLO}${INJECTED}`), row('!garden:camp.test', 'Garden')]) });
    const list = (await commandCatalog({ tiers: { rooms } }).execute(alice, '!room list')).text;
    const lines = list.split('\n');
    assert.equal(lines.filter((line) => line.startsWith('Announcements')).length, 0, list);
    assert.ok(lines.includes(`  Book club ${INJECTED} — https://matrix.to/#/!old%3Acamp.test?via=camp.test`), list);
    assert.ok(!list.includes(RLO));
  });
});

describe('replies to oversized input', () => {
  it('!help followed by 64,000 characters is answered in a few hundred', async () => {
    const { ask } = creatingTable();
    for (const body of [`!help ${'x'.repeat(64_000)}`, `!help${'x'.repeat(64_000)}`, `!room invite ${'x'.repeat(64_000)}`, `!tier set ${'x'.repeat(64_000)}`, `!room create Club --${'x'.repeat(64_000)}`]) {
      const reply = await ask(body, admin);
      assert.ok(reply.length < SHORT, `${body.slice(0, 20)}… got ${reply.length} characters`);
    }
  });

  it('a reason or a broadcast that could not be repeated to others is refused without being repeated', async () => {
    const table = commandCatalog();
    const reason = await table.execute(admin, `!defederate now far.test spam\n${INJECTED}`);
    assert.match(reason.text, /^reason must be one line/);
    const broadcast = await table.execute(alice, `!bugle ${'x'.repeat(64_000)}`);
    assert.match(broadcast.text, /^message is 64000 characters long/);
    assert.ok(broadcast.text.length < SHORT);
  });
});

describe('a broadcast as recipients see it', () => {
  it('shows the sender\'s display name on one line, without direction controls', () => {
    const rendered = renderBroadcast('@bob:camp.test', `Bob\n${RLO}${INJECTED}`, 'Movie night');
    assert.equal(rendered.text.split('\n').length, 1);
    assert.ok(!rendered.text.includes(RLO) && !rendered.html.includes(RLO));
  });
});
