import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEvent } from '../../src/matrix/event.ts';
import { retryDelay } from '../../src/matrix/inbox/worker.ts';

const good = { event_id: '$e', room_id: '!r', type: 'm.room.message', sender: '@a:camp.test', origin_server_ts: 1, content: {} };

describe('checking a pushed event', () => {
  it('accepts a well-formed client event', () => {
    assert.equal(checkEvent(good).ok, true);
  });
  it('names the field that makes an event malformed', () => {
    assert.deepEqual(checkEvent({ ...good, sender: 42 }), { ok: false, reason: '"sender" must be a non-empty string' });
    assert.deepEqual(checkEvent({ ...good, content: 'x' }), { ok: false, reason: '"content" must be an object' });
    assert.deepEqual(checkEvent([]), { ok: false, reason: 'an event must be a JSON object' });
  });
  it('sets aside identifiers and types longer than the 255 bytes Matrix allows, counting bytes, not characters', () => {
    assert.deepEqual(checkEvent({ ...good, event_id: `$${'e'.repeat(255)}` }), { ok: false, reason: '"event_id" is longer than 255 bytes' });
    assert.deepEqual(checkEvent({ ...good, type: 'é'.repeat(128) }), { ok: false, reason: '"type" is longer than 255 bytes' });
    assert.equal(checkEvent({ ...good, room_id: `!${'r'.repeat(254)}` }).ok, true);
  });
  it('sets aside a timestamp that is not an integer a database can hold', () => {
    for (const ts of [1e308, 1.5, Number.NaN, '1']) assert.deepEqual(checkEvent({ ...good, origin_server_ts: ts }), { ok: false, reason: '"origin_server_ts" must be an integer' });
    assert.equal(checkEvent({ ...good, origin_server_ts: 1_764_000_000_000 }).ok, true);
  });
});

describe('retry backoff', () => {
  it('doubles from the base delay', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelay(n, 500)), [500, 1000, 2000, 4000]);
  });
  it('never waits longer than the cap', () => {
    assert.equal(retryDelay(30, 500, 300_000), 300_000);
  });
});
