import { globMatches } from './server-names.ts';

// Matrix refuses events larger than 64 KiB. A deny list that would push the
// ACL past that is refused whole (a truncated ACL would silently let servers
// back in), and the admin is offered a compaction by parent domain.

export const MAX_EVENT_BYTES = 65_536;
// Room for what the homeserver adds around the content: IDs, hashes, signatures, auth events.
export const EVENT_ENVELOPE_BYTES = 2_048;

export function aclContentBytes(content: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(content), 'utf8');
}

export function fitsInAnEvent(content: Record<string, unknown>): boolean {
  return aclContentBytes(content) + EVENT_ENVELOPE_BYTES <= MAX_EVENT_BYTES;
}

function parentOf(server: string): string | null {
  const labels = server.replace(/^\*\./, '').split('.');
  return labels.length > 2 ? labels.slice(1).join('.') : null;
}

/**
 * Groups entries that share a parent domain into one glob for it: a.spam.test
 * and b.spam.test become *.spam.test. Returns the shorter list and what it merged.
 */
export function compactDenyList(deny: readonly string[], ownServer: string): { deny: string[]; merged: Map<string, string[]> } {
  const byParent = new Map<string, string[]>();
  for (const entry of deny) {
    const parent = parentOf(entry);
    if (parent) byParent.set(parent, [...(byParent.get(parent) ?? []), entry]);
  }
  // A merged glob that would match this server is never offered: it would shut the community out of its own rooms.
  const merged = new Map([...byParent]
    .filter(([parent, entries]) => entries.length > 1 && !globMatches(`*.${parent}`, ownServer))
    .map(([parent, entries]) => [`*.${parent}`, entries]));
  const absorbed = new Set([...merged.values()].flat());
  return { deny: [...new Set([...deny.filter((e) => !absorbed.has(e)), ...merged.keys()])].sort(), merged };
}
