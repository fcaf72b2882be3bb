// Text as Hearth orders, counts and dates it, without the locale data of ICU.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byCodePoint } from '../../src/text/order.ts';
import { graphemesOf } from '../../src/text/graphemes.ts';
import { humanUtcTime } from '../../src/web/public/post-view.ts';

describe('byCodePoint', () => {
  it('orders the same on every machine: capitals before small letters, as code points go', () => {
    assert.deepEqual(['@b:x', '@a:x', '@B:x', '@a:x'].sort(byCodePoint), ['@B:x', '@a:x', '@a:x', '@b:x']);
  });
});

describe('graphemesOf', () => {
  it('counts an emoji with its skin tone, and a letter with its combining accent, as one character each', () => {
    assert.deepEqual(graphemesOf('e\u0301👍🏽!'), ['e\u0301', '👍🏽', '!']);
  });
});

describe('humanUtcTime', () => {
  it('writes what en-GB\'s long date and short time in UTC write', () => {
    const english = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
    for (const time of [Date.UTC(2026, 0, 5, 3, 7), Date.UTC(1999, 11, 31, 23, 59, 59), Date.UTC(2030, 5, 15, 12, 0)]) {
      assert.equal(humanUtcTime(time), `${english.format(time)} UTC`);
    }
  });
});
