import { globMatches } from '../matrix/server-globs.ts';

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

export interface Compaction {
  /** The deny list after the merges. */
  deny: string[];
  /** Each merged glob, with the entries it replaces. */
  merged: Map<string, string[]>;
  /** Each merge left out, with the protected servers it would have matched. */
  withheld: Map<string, string[]>;
}

/**
 * Groups entries that share a parent domain into one glob for it: a.spam.test
 * and b.spam.test become *.spam.test. A glob that would match a protected
 * server (this server, every neighbor) is never offered: it would cut off a
 * server nobody decided to cut off (a.example.org and b.example.org must not
 * become *.example.org while chat.example.org is a neighbor). Such a merge is
 * reported in `withheld` instead.
 */
export function compactDenyList(deny: readonly string[], protect: readonly string[]): Compaction {
  const byParent = new Map<string, string[]>();
  for (const entry of deny) {
    const parent = parentOf(entry);
    if (parent) byParent.set(parent, [...(byParent.get(parent) ?? []), entry]);
  }
  const merged = new Map<string, string[]>();
  const withheld = new Map<string, string[]>();
  for (const [parent, entries] of byParent) {
    if (entries.length < 2) continue;
    const glob = `*.${parent}`;
    const hit = [...new Set(protect)].filter((server) => globMatches(glob, server)).sort();
    if (hit.length > 0) withheld.set(glob, hit);
    else merged.set(glob, entries);
  }
  const absorbed = new Set([...merged.values()].flat());
  return { deny: [...new Set([...deny.filter((e) => !absorbed.has(e)), ...merged.keys()])].sort(), merged, withheld };
}
