// The bundle `npm run build` writes is what a small board and the container
// run (docs/operations.md). Here it runs glen's Hearth against its real
// homeserver: it starts, opens its bots' crypto devices, answers its admin, and
// serves its pages with the templates and stylesheet copied beside it. Restarts
// glen's Hearth, so it runs after the shared suite, one at a time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildBundle } from '../../scripts/build.ts';
import { commandLine } from '../../testbed/processes.ts';
import { findServer, startHearth, stopHearth, type HearthInfo } from '../../testbed/testbed.ts';
import { adminCommand, webBaseUrl } from '../support/hearth.ts';

const GLEN = 'glen.test';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function hearthOf(serverName: string): HearthInfo {
  const hearth = findServer(serverName).hearth;
  if (!hearth) throw new Error(`${serverName} runs no Hearth`);
  return hearth;
}

describe('Hearth run from the bundle npm run build writes', () => {
  let scratch = '';
  let cli = '';

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'hearth-bundle-'));
    // Found by the repository's packages, as dist/ inside a checkout is.
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
    symlinkSync(join(ROOT, 'package.json'), join(scratch, 'package.json'));
    await buildBundle(ROOT, join(scratch, 'dist'));
    cli = join(scratch, 'dist', 'src', 'cli.js');
    await stopHearth(GLEN);
    process.env.HEARTH_TESTBED_CLI = cli;
    await startHearth(GLEN);
  });

  after(async () => {
    await stopHearth(GLEN);
    delete process.env.HEARTH_TESTBED_CLI;
    await startHearth(GLEN);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('is the bundle that runs, and it answers the admin', async () => {
    const pid = hearthOf(GLEN).pid;
    assert.ok(pid !== null && commandLine(pid)?.includes(cli), `glen's Hearth runs ${cli}`);
    assert.match(await adminCommand(GLEN, '!neighborhood status'), /neighbo/i);
  });

  it('serves its front page and its stylesheet, read from beside the bundle', async () => {
    const page = await fetch(`${webBaseUrl(GLEN)}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    const stylesheet = /href="([^"]+\.css)"/.exec(html)?.[1];
    assert.ok(stylesheet, 'the front page links its stylesheet');
    const css = await fetch(new URL(stylesheet, `${webBaseUrl(GLEN)}/`));
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
  });
});
