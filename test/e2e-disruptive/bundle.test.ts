// The bundle `npm run build` writes is what a small board and the container
// run (docs/operations.md). Here it runs glen's Hearth against its real
// homeserver, with the Node options and environment the small-board section
// gives the systemd unit: it starts, opens its bots' crypto devices, answers its
// admin, serves its pages with the templates and stylesheet copied beside it,
// and gives memory back after bursts of work. Restarts glen's Hearth, so it
// runs after the shared suite, one at a time.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
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

/** The systemd unit's lines in docs/operations.md, "Running on a small board": its environment and its node options. */
function smallBoardUnit(): { env: Record<string, string>; nodeOptions: string } {
  const docs = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
  const environment = /^Environment=(.+)$/m.exec(docs)?.[1];
  const execStart = /^ExecStart=\/usr\/bin\/node (.*?) \/opt\/hearth\/dist\/src\/cli\.js start/m.exec(docs)?.[1];
  if (!environment || !execStart) throw new Error('docs/operations.md has no small-board systemd unit with Environment= and ExecStart= lines');
  const env = Object.fromEntries(environment.split(/\s+/).map((pair) => pair.split('=', 2) as [string, string]));
  return { env, nodeOptions: execStart };
}

function hearthOf(serverName: string): HearthInfo {
  const hearth = findServer(serverName).hearth;
  if (!hearth) throw new Error(`${serverName} runs no Hearth`);
  return hearth;
}

describe('Hearth run from the bundle npm run build writes', () => {
  let scratch = '';
  let cli = '';
  let logFrom = 0;
  const unit = smallBoardUnit();
  const saved = Object.fromEntries(['NODE_OPTIONS', ...Object.keys(unit.env)].map((name) => [name, process.env[name]]));

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'hearth-bundle-'));
    // Found by the repository's packages, as dist/ inside a checkout is.
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
    symlinkSync(join(ROOT, 'package.json'), join(scratch, 'package.json'));
    await buildBundle(ROOT, join(scratch, 'dist'));
    cli = join(scratch, 'dist', 'src', 'cli.js');
    await stopHearth(GLEN);
    process.env.HEARTH_TESTBED_CLI = cli;
    Object.assign(process.env, unit.env, { NODE_OPTIONS: unit.nodeOptions });
    logFrom = statSync(hearthOf(GLEN).log_path).size;
    await startHearth(GLEN);
  });

  after(async () => {
    await stopHearth(GLEN);
    delete process.env.HEARTH_TESTBED_CLI;
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
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

  it('runs with the small-board unit\'s options, so it gives memory back after bursts of work', () => {
    assert.match(unit.nodeOptions, /--expose-gc/);
    const log = readFileSync(hearthOf(GLEN).log_path).subarray(logFrom).toString('utf8');
    assert.match(log, /gives memory back after bursts of work/);
  });
});
