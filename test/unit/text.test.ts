// Text as Hearth orders, counts, dates and renders it, without the locale data of ICU.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadWelcome } from '../../src/onboarding/texts.ts';
import { byCodePoint } from '../../src/text/order.ts';
import { graphemesOf } from '../../src/text/graphemes.ts';
import { humanUtcTime } from '../../src/web/public/post-view.ts';
import { testConfig } from '../support/config.ts';

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

describe('renderMarkdown', () => {
  const textsModule = fileURLToPath(new URL('../../src/onboarding/texts.ts', import.meta.url));

  /** Whether markdown-it is loaded in a fresh process after `script` ran with the onboarding texts imported as `texts`. */
  function markdownItLoadedAfter(script: string): string {
    const probe = `import { createRequire } from 'node:module'; const texts = await import(${JSON.stringify(textsModule)}); ${script}; ` +
      'process.stdout.write(String(Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes("markdown-it"))));';
    return execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
  }

  it('loads markdown-it at the first text rendered, not when the texts are read at start', () => {
    const welcome = 'texts.loadWelcome({ community: { name: "Camp", welcome: "" } })';
    assert.equal(markdownItLoadedAfter(welcome), 'false');
    assert.equal(markdownItLoadedAfter(`process.stderr.write(${welcome}.html)`), 'true');
  });

  it('renders a welcome with raw HTML shown as text, never as markup', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hearth-text-')), 'welcome.md');
    writeFileSync(file, 'Hello **camp** <script>alert(1)</script>');
    const config = testConfig();
    const welcome = loadWelcome({ ...config, community: { ...config.community, welcome: file } });
    assert.equal(welcome.html, '<p>Hello <strong>camp</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
  });
});
