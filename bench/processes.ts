// What the start-up and memory benchmarks share: a process's resident memory,
// the floor process they compare Hearth with (a bare Node process running an
// express server that answers one route), and a testbed Hearth started by hand
// so its start can be timed from the moment the process is spawned.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { hearthCli } from '../testbed/hearth.ts';
import { startHearth, stopHearth } from '../testbed/testbed.ts';
import { server } from '../test/support/member.ts';

const REPO_ROOT = new URL('..', import.meta.url).pathname;

/** How often a start is polled: fine enough that the poll adds little to either side. */
const POLL_MS = 10;
const START_TIMEOUT_MS = 120_000;

export function residentMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  const kib = Number(/(\d+)/.exec(line ?? '')?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no VmRSS for pid ${pid}`);
  return kib / 1024;
}

/** The median of a few samples a second apart: one sample may catch a collection half done. */
export async function settledResidentMiB(pid: number, samples = 5): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(1_000);
    values.push(residentMiB(pid));
  }
  return values.sort((a, b) => a - b)[Math.floor(samples / 2)] ?? NaN;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  return port;
}

/** Polls until `ready` says yes; fails when the process exits first or the start takes minutes. */
async function until(child: ChildProcess, what: string, ready: () => Promise<boolean>, output: () => string): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready\n${output()}`);
    if (await ready()) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${what} was not ready within ${START_TIMEOUT_MS / 1000} s\n${output()}`);
}

async function answers(url: string, accept: (body: string) => boolean): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok && accept(await response.text());
  } catch {
    return false; // not listening yet: the poll tries again
  }
}

export interface Started {
  readonly pid: number;
  /** From spawning the process until it answered as ready. */
  readonly startMs: number;
  stop(): Promise<void>;
}

function spawnTimed(command: string, args: readonly string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer): void => { tail = (tail + chunk.toString('utf8')).slice(-4_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { child, output: () => tail };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/**
 * The floor: plain JavaScript, no Hearth code, the same Node and the same Node
 * options as Hearth's process, an express app answering one route.
 */
const FLOOR_SERVER = `
import express from 'express';
const app = express();
app.get('/', (_req, res) => { res.send('ok'); });
app.listen(Number(process.env.FLOOR_PORT), '127.0.0.1');
`;

/**
 * The same floor, which first does the crypto's own part of a start with
 * encryption on, at its least: it loads the crypto and compiles its
 * WebAssembly, then opens two devices (Hearth's two bots), new and in memory,
 * and takes their first sync changes, which make their one-time keys. The
 * floor's import of express is hoisted, as any import is; its server is set up
 * after the crypto.
 */
const CRYPTO_FLOOR_SERVER = `
import { initAsync, DeviceId, DeviceLists, OlmMachine, UserId } from '@matrix-org/matrix-sdk-crypto-wasm';
await initAsync();
const devices = await Promise.all(['@hearth:floor.test', '@hearth_bugle:floor.test'].map((user, i) => OlmMachine.initialize(new UserId(user), new DeviceId('FLOOR' + i))));
await Promise.all(devices.map(async (device) => {
  await device.receiveSyncChanges('[]', new DeviceLists(), new Map([['signed_curve25519', 0]]));
  await device.outgoingRequests();
}));
${FLOOR_SERVER}`;

async function startServerScript(what: string, script: string): Promise<Started> {
  const port = await freePort();
  const started = performance.now();
  const { child, output } = spawnTimed(process.execPath, ['--input-type=module', '-e', script], { ...process.env, FLOOR_PORT: String(port) });
  await until(child, what, () => answers(`http://127.0.0.1:${port}/`, (body) => body === 'ok'), output);
  return { pid: child.pid ?? NaN, startMs: performance.now() - started, stop: () => stopChild(child) };
}

export function startFloor(): Promise<Started> {
  return startServerScript('the express floor', FLOOR_SERVER);
}

export function startCryptoFloor(): Promise<Started> {
  return startServerScript('the express floor with the crypto', CRYPTO_FLOOR_SERVER);
}

/**
 * Stops the testbed's Hearth of `serverName` and starts the same one by hand:
 * ready means its health answers ok, which it does only once it has reached
 * the homeserver, been pinged back through the appservice API and set up the
 * community. stop() hands it back to the testbed, started as before.
 */
export async function startHearthByHand(serverName: string): Promise<Started> {
  const hearth = server(serverName).hearth;
  if (!hearth) throw new Error(`${serverName} runs no Hearth in this testbed`);
  await stopHearth(serverName);
  const started = performance.now();
  const { child, output } = spawnTimed(process.execPath, [hearthCli(), 'start', '-c', hearth.config_path], process.env);
  const healthy = (body: string): boolean => (JSON.parse(body) as { status?: unknown }).status === 'ok';
  try {
    await until(child, `${serverName}'s Hearth`, () => answers(`${hearth.appservice_url}/_hearth/health`, healthy), output);
  } catch (error) {
    await stopChild(child);
    await startHearth(serverName);
    throw error;
  }
  return {
    pid: child.pid ?? NaN,
    startMs: performance.now() - started,
    stop: async () => {
      await stopChild(child);
      await startHearth(serverName);
    },
  };
}
