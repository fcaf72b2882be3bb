// Server names and ACL globs as admins type them: checked before anything is
// decided, so a typo can never cut the community off from itself.

/** Matrix ACL globs: `*` any run of characters, `?` one character; case-insensitive. */
export function globMatches(glob: string, serverName: string): boolean {
  const pattern = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`, 'i').test(serverName);
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}(:\d+)?$/;
const IPV6 = /^\[[0-9a-f:.]+\](:\d+)?$/i;
const GLOB = /^[a-z0-9*?]([a-z0-9*?-]*[a-z0-9*?])?(\.[a-z0-9*?]([a-z0-9*?-]*[a-z0-9*?])?)*$/;

export function isIpLiteral(text: string): boolean {
  return IPV4.test(text) || IPV6.test(text);
}

export type TargetCheck = { ok: true; glob: string } | { ok: false; problem: string };

/** Checks a server name or glob an admin wants to defederate. */
export function checkDefederationTarget(input: string, ownServer: string): TargetCheck {
  const glob = input.trim().toLowerCase();
  if (glob === '') return { ok: false, problem: 'name a server, e.g. far.example.org or *.far.example.org' };
  if (isIpLiteral(glob)) return { ok: false, problem: `${glob} is an IP address; ACLs never allow IP literals, so it is already cut off` };
  if (!GLOB.test(glob)) return { ok: false, problem: `"${input}" is not a server name or glob (letters, digits, dots, hyphens, * and ? only)` };
  if (globMatches(glob, ownServer)) return { ok: false, problem: `${glob} would match ${ownServer}, this community's own server` };
  if (/^[*?.]*$/.test(glob.replace(/\./g, ''))) return { ok: false, problem: `${glob} would match every server; that is leaving federation, not defederating one server` };
  return { ok: true, glob };
}

/** Which of the servers Hearth knows a glob would cut off: the preview shown before a decision. */
export function matchingServers(glob: string, known: Iterable<string>): string[] {
  return [...new Set(known)].filter((server) => globMatches(glob, server)).sort();
}
