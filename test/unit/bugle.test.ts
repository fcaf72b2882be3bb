import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bugleAvatarPng } from '../../src/bugle/avatar.ts';
import { checkRate, checkText, DAY_MS, HOUR_MS } from '../../src/bugle/limits.ts';
import { digestOf, renderBroadcast } from '../../src/bugle/message.ts';

const limits = { perMemberPerDay: 3, hourlyCap: 10, maxLength: 20 };
const now = Date.UTC(2026, 10, 22, 12, 0);

describe('what a member may broadcast', () => {
  it('refuses an empty message and one over the maximum length, saying why', () => {
    assert.match(JSON.stringify(checkText('   ', limits)), /needs a message/);
    assert.match(JSON.stringify(checkText('x'.repeat(21), limits)), /21 characters; a broadcast may have at most 20/);
    assert.deepEqual(checkText('📯'.repeat(20), limits), { ok: true }, 'an emoji counts as one character');
  });

  it('allows three a day and says when the fourth may go', () => {
    const mine = [now - 20 * HOUR_MS, now - 2 * HOUR_MS, now - HOUR_MS];
    assert.deepEqual(checkRate(now, mine.slice(1), [], limits), { ok: true });
    const refused = checkRate(now, mine, [], limits);
    assert.equal(refused.ok, false);
    assert.match(JSON.stringify(refused), new RegExp(`after ${new Date(mine[0]! + DAY_MS).toISOString().slice(0, 16).replace('T', ' ')} UTC`));
  });

  it('caps the whole community per hour', () => {
    const everyone = Array.from({ length: 10 }, (_, i) => now - HOUR_MS + (i + 1) * 60_000);
    assert.match(JSON.stringify(checkRate(now, [], everyone, limits)), /community has sent 10 broadcasts in the last hour/);
  });
});

describe('a broadcast as recipients see it', () => {
  it('names and links the sender, in HTML with a plain-text fallback', () => {
    const rendered = renderBroadcast('@alice:camp.test', 'Alice <3', 'Movie night!\nBring snacks');
    assert.equal(rendered.text, '📯 Bugle from Alice <3 (@alice:camp.test): Movie night!\nBring snacks');
    assert.match(rendered.html, /<a href="https:\/\/matrix\.to\/#\/%40alice%3Acamp\.test">Alice &lt;3<\/a>/);
    assert.match(rendered.html, /Movie night!<br>Bring snacks/);
  });

  it('names the sender once in HTML, so a client that draws the link as the user\'s pill shows no "@bob (@bob)"', () => {
    const rendered = renderBroadcast('@bob:camp.test', null, 'Picnic on Sunday');
    assert.equal(rendered.html, '<p>📯 Bugle from <a href="https://matrix.to/#/%40bob%3Acamp.test">bob</a>:</p><p>Picnic on Sunday</p>');
    assert.equal(rendered.text, '📯 Bugle from bob (@bob:camp.test): Picnic on Sunday');
  });

  it('keeps a digest, not the words, in the audit line', () => {
    assert.match(digestOf('hello'), /^[0-9a-f]{16}$/);
    assert.equal(digestOf('hello'), digestOf('hello'));
  });

  it('draws a real PNG avatar', () => {
    const png = bugleAvatarPng();
    assert.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
    assert.ok(png.length > 100);
  });
});
