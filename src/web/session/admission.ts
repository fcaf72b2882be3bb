// Who may log in to the web pages, decided without side effects: only members
// of this community, that is accounts of this server that are neither guests
// nor bots nor removed, and that agreed to the code of conduct. A name on
// another server or a guest's is refused before anything is sent anywhere, so
// Hearth never passes a password to another server.
import type { Standing } from '../../onboarding/agreement.ts';
import { mayBeLetIn } from '../../onboarding/agreement.ts';

export type TypedName =
  | { kind: 'local'; localpart: string }
  | { kind: 'other server'; server: string }
  | { kind: 'guest' }
  | { kind: 'empty' };

/** Reads what someone typed as their username: alice, @alice or @alice:camp.example.org. */
export function readUsername(typed: string, serverName: string): TypedName {
  const bare = typed.trim().replace(/^@/, '');
  const colon = bare.indexOf(':');
  const localpart = (colon < 0 ? bare : bare.slice(0, colon)).toLowerCase();
  if (colon >= 0) {
    const server = bare.slice(colon + 1).toLowerCase();
    if (server !== serverName.toLowerCase()) return { kind: 'other server', server };
  }
  if (localpart === '') return { kind: 'empty' };
  // Synapse names guest accounts with numbers only.
  if (/^\d+$/.test(localpart)) return { kind: 'guest' };
  return { kind: 'local', localpart };
}

export type Refusal = 'other server' | 'guest' | 'empty' | 'wrong password' | 'too many attempts' | 'homeserver unavailable' | 'not a member' | 'not agreed';

export interface Account {
  userId: string;
  isGuest: boolean;
}

export interface MemberFacts {
  /** The one member predicate (domains.ts): this server, not a bot, not a guest, not removed. */
  isMember: (userId: string) => boolean;
  standing: Standing;
}

/** Whether a confirmed account may have a web session. */
export function admit(account: Account, facts: MemberFacts): 'member' | Refusal {
  if (account.isGuest) return 'guest';
  if (!facts.isMember(account.userId)) return 'not a member';
  return mayBeLetIn(facts.standing) ? 'member' : 'not agreed';
}

/** What the person at the login form is told: what happened and what they can do. */
export function refusalMessage(refusal: Refusal, o: { serverName: string; botUserId: string; typedServer?: string }): string {
  switch (refusal) {
    case 'other server':
      return `This is the website of ${o.serverName}. Accounts of ${o.typedServer ?? 'other servers'} cannot log in here: only members of ${o.serverName} can. Your password was not sent anywhere.`;
    case 'guest':
      return `Guest accounts cannot log in here: the members' area is for members of ${o.serverName}. Ask a member for an invitation to make an account.`;
    case 'empty':
      return 'Type your username, for example alice.';
    case 'wrong password':
      return `That username and password do not match an account on ${o.serverName}. Check both and try again (it is the password you use in your Matrix client).`;
    case 'too many attempts':
      return 'The homeserver has seen too many login attempts. Wait a few minutes, then try again.';
    case 'homeserver unavailable':
      return 'The homeserver did not answer as expected. Try again in a moment; if it keeps happening, tell your admin.';
    case 'not a member':
      return `This account is not a member of the community on ${o.serverName}, so it cannot log in here.`;
    case 'not agreed':
      return `You have not agreed to the code of conduct yet. Say !agree to ${o.botUserId} in a direct message (say !coc to read it first), then log in here again.`;
  }
}
