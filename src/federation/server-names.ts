// Server names and ACL globs as admins type them: checked before anything is
// decided, so a typo can never cut the community off from itself.
import { quoted } from '../commands/text.ts';
import { globMatches } from '../matrix/server-globs.ts';

/** DNS names have at most 255 characters; a longer glob could match no real server. */
export const MAX_GLOB_LENGTH = 255;
/**
 * Far more than any real ACL entry needs. Other homeservers match ACL globs
 * with backtracking regular expressions, so a glob Hearth publishes must stay
 * cheap for them too.
 */
export const MAX_GLOB_WILDCARDS = 16;

/**
 * Why a server name or glob is too long or has too many wildcards to accept,
 * or null. Counted without any regular expression, so it is safe to run first
 * on text of any size from anyone.
 */
export function globLimitProblem(glob: string): string | null {
  if (glob.length > MAX_GLOB_LENGTH) return `it is ${glob.length} characters long; server names have at most ${MAX_GLOB_LENGTH}`;
  let wildcards = 0;
  for (const character of glob) if (character === '*' || character === '?') wildcards++;
  if (wildcards > MAX_GLOB_WILDCARDS) return `it has ${wildcards} wildcards (* and ?); at most ${MAX_GLOB_WILDCARDS} are accepted`;
  return null;
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
  // Before any regular expression sees the text.
  const beyondLimits = globLimitProblem(glob);
  if (beyondLimits !== null) return { ok: false, problem: beyondLimits };
  if (isIpLiteral(glob)) return { ok: false, problem: `${glob} is an IP address; ACLs never allow IP literals, so it is already cut off` };
  if (!GLOB.test(glob)) return { ok: false, problem: `"${quoted(input)}" is not a server name or glob (letters, digits, dots, hyphens, * and ? only)` };
  if (globMatches(glob, ownServer)) return { ok: false, problem: `${glob} would match ${ownServer}, this community's own server` };
  if (/^[*?.]*$/.test(glob.replace(/\./g, ''))) return { ok: false, problem: `${glob} would match every server; that is leaving federation, not defederating one server` };
  return { ok: true, glob };
}

/** Which of the servers Hearth knows a glob would cut off: the preview shown before a decision. */
export function matchingServers(glob: string, known: Iterable<string>): string[] {
  return [...new Set(known)].filter((server) => globMatches(glob, server)).sort();
}
