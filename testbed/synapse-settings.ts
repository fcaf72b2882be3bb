// Extra settings for one testbed server's Synapse, as an operator would add a
// file to conf.d/: Synapse takes each top-level key from the last file that
// sets it, so the extra settings replace the generated ones key by key. Paths
// the settings name on the host side of the chroot are given as Synapse sees
// them. The returned function puts the generated config back.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { isRecord } from './http.ts';
import { restartSynapse, findServer, readInfo } from './testbed.ts';

function inChroot(root: string, value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith(`${root}/`)) return value.slice(root.length);
  if (Array.isArray(value)) return value.map((item) => inChroot(root, item));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, inChroot(root, item)]));
  return value;
}

/** Adds settings to a server's Synapse and restarts it; resolves with the function that undoes both. */
export async function addSynapseSettings(server: string, settings: Record<string, unknown>): Promise<() => Promise<void>> {
  const info = readInfo();
  if (info === null) throw new Error('no testbed is running');
  const config = join(findServer(server).synapse_dir, 'homeserver.yaml');
  const generated = readFileSync(config, 'utf8');
  const base = parse(generated) as Record<string, unknown>;
  const extra = inChroot(info.synapse_root, settings) as Record<string, unknown>;
  writeFileSync(config, `${generated.split('\n')[0] ?? ''}\n${stringify({ ...base, ...extra })}`, { mode: 0o600 });
  await restartSynapse(server);
  return async () => {
    writeFileSync(config, generated, { mode: 0o600 });
    await restartSynapse(server);
  };
}
