// Name resolution for the test servers. Synapse runs chrooted, so it reads the
// root filesystem's /etc/hosts rather than the host's; giving each server name
// its own loopback address there is all federation needs, and the host's own
// /etc/hosts is never touched.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BEGIN = '# BEGIN hearth testbed (rewritten by testbed/hosts.ts)';
const END = '# END hearth testbed';

export type HostEntry = { name: string; address: string };

export function writeTestbedHosts(root: string, entries: readonly HostEntry[]): void {
  const path = join(root, 'etc', 'hosts');
  const current = readFileSync(path, 'utf8');
  writeFileSync(path, replaceTestbedBlock(current, entries));
}

/** Replaces the testbed's block, keeping every line outside it. */
export function replaceTestbedBlock(hostsFile: string, entries: readonly HostEntry[]): string {
  const outside = removeTestbedBlock(hostsFile).replace(/\n*$/, '\n');
  const lines = entries.map((entry) => `${entry.address}\t${entry.name}`);
  return `${outside}${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

function removeTestbedBlock(hostsFile: string): string {
  const start = hostsFile.indexOf(BEGIN);
  if (start === -1) return hostsFile;
  const end = hostsFile.indexOf(END, start);
  const after = end === -1 ? '' : hostsFile.slice(end + END.length).replace(/^\n/, '');
  return hostsFile.slice(0, start) + after;
}
