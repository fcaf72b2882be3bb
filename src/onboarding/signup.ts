// Signing up with an invitation: what the page shows for a code, and what
// happens to a filled-in form. Every refusal says what happened in plain words
// and keeps what was typed, except the password, which is handed to the
// homeserver and forgotten.
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { Logger } from '../logging/logger.ts';
import type { InvitationRow } from '../store/invitations-store.ts';
import type { OnboardingStore } from '../store/onboarding-store.ts';
import { describeHeadcount, maySignUp } from './cap.ts';
import { looksLikeCode, stateOf } from './invitation-state.ts';
import type { Invitations } from './invitations.ts';
import type { Registration, RegistrationRefusal } from './registration.ts';
import type { Welcome } from './welcome.ts';

export interface SignUpForm {
  username: string;
  password: string;
  confirm: string;
  agreed: boolean;
}

/** The form's fields a refusal page shows again: never the password. */
export interface KeptInput {
  username: string;
  agreed: boolean;
}

/** Why an invitation link cannot be used. */
export type Unusable = 'used' | 'expired' | 'revoked' | 'unknown';

export type SignUpPage =
  | { kind: 'form'; invitation: InvitationRow; kept: KeptInput; problem: { field: 'username' | 'password' | 'agreed' | 'form'; message: string } | null }
  | { kind: 'unusable'; why: Unusable; kept: KeptInput | null }
  | { kind: 'full'; headcount: string; kept: KeptInput | null }
  | { kind: 'done'; userId: string; username: string };

export interface SignUpOptions {
  invitations: Invitations;
  registration: Pick<Registration, 'register'>;
  store: OnboardingStore;
  welcome: Pick<Welcome, 'codeOfConduct' | 'announce'>;
  /** Tells the member directory of the new account and asks it for a pass, which welcomes them and lets them in. */
  noticeMember: (userId: string) => Promise<void>;
  serverName: string;
  communityName: string;
  notify: NotifyAdmins;
  log: Logger;
  now?: () => number;
}

const LOCALPART = /^[a-z0-9._=/+-]+$/;

/** The username as typed, made into a localpart: "@sam:camp.example.org" and " Sam " both become "sam". */
export function localpartOf(typed: string, serverName: string): string {
  let name = typed.trim();
  if (name.startsWith('@')) name = name.slice(1);
  if (name.endsWith(`:${serverName}`)) name = name.slice(0, -(serverName.length + 1));
  return name.toLowerCase();
}

/** A problem with the username Hearth can see before asking the homeserver. */
export function usernameProblem(localpart: string): string | null {
  if (localpart === '') return 'Choose a username.';
  if (localpart.length > 64) return 'That username is too long: keep it under 64 characters.';
  if (!LOCALPART.test(localpart)) return 'A username may use only the letters a to z, digits, and . _ = - / +';
  return null;
}

const REFUSALS: Readonly<Record<Exclude<RegistrationRefusal, 'token refused'>, { field: 'username' | 'password' | 'form'; message: string }>> = {
  'username taken': { field: 'username', message: 'That username is taken. Choose another one.' },
  'username invalid': { field: 'username', message: 'The homeserver does not accept that username. Use only the letters a to z, digits, and . _ = - / +' },
  'password refused': { field: 'password', message: 'The homeserver does not accept that password (it may be too short or too simple). Choose a longer one.' },
  'registration closed': { field: 'form', message: 'The homeserver is not taking sign-ups with invitations right now. Tell the person who invited you; nothing was created.' },
  'homeserver unavailable': { field: 'form', message: 'The homeserver did not answer. Nothing was created; try again in a moment.' },
};

export class SignUp {
  private readonly o: SignUpOptions;
  /** One sign-up per code at a time: a second submit waits and then finds the code used. */
  private readonly inProgress = new Map<string, Promise<unknown>>();

  constructor(options: SignUpOptions) {
    this.o = options;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** What the link shows before anything is typed. */
  async open(code: string): Promise<SignUpPage> {
    return this.check(code, { username: '', agreed: false }, null);
  }

  private async check(code: string, kept: KeptInput, typed: KeptInput | null): Promise<SignUpPage> {
    const invitation = looksLikeCode(code) ? await this.o.invitations.get(code) : null;
    if (!invitation) return { kind: 'unusable', why: 'unknown', kept: typed };
    const state = stateOf(invitation, this.now());
    if (state !== 'open') return { kind: 'unusable', why: state, kept: typed };
    const headcount = await this.o.invitations.headcount();
    if (!maySignUp(headcount)) return { kind: 'full', headcount: describeHeadcount(headcount), kept: typed };
    return { kind: 'form', invitation, kept, problem: null };
  }

  /** A filled-in form: registers the account, or says why not. */
  async submit(code: string, form: SignUpForm): Promise<SignUpPage> {
    const previous = this.inProgress.get(code) ?? Promise.resolve();
    const attempt = previous.catch(() => undefined).then(() => this.attempt(code, form));
    this.inProgress.set(code, attempt);
    try {
      return await attempt;
    } finally {
      if (this.inProgress.get(code) === attempt) this.inProgress.delete(code);
    }
  }

  private async attempt(code: string, form: SignUpForm): Promise<SignUpPage> {
    const username = localpartOf(form.username, this.o.serverName);
    const kept: KeptInput = { username: form.username.trim(), agreed: form.agreed };
    const page = await this.check(code, kept, kept);
    if (page.kind !== 'form') return page;
    const problem = this.formProblem(username, form);
    if (problem) return { ...page, problem };
    const outcome = await this.o.registration.register({ username, password: form.password, token: code, deviceName: `${this.o.communityName} sign-up` });
    if (outcome.kind === 'refused') {
      // Synapse knows best whether its token is still good: say what Hearth's record says, or that it was refused.
      if (outcome.reason === 'token refused') return { kind: 'unusable', why: (await this.recheck(code)) ?? 'used', kept };
      return { ...page, problem: REFUSALS[outcome.reason] };
    }
    try {
      await this.recordSignUp(page.invitation, outcome.userId, form.agreed);
    } catch (error) {
      // The account exists whatever failed here: the page must say so, or the person would try again and find the name taken.
      this.o.log.error('a new account was made but recording its sign-up failed; the member directory still finds it', { user_id: outcome.userId, error });
    }
    return { kind: 'done', userId: outcome.userId, username };
  }

  private formProblem(username: string, form: SignUpForm): { field: 'username' | 'password' | 'agreed'; message: string } | null {
    const usernameIssue = usernameProblem(username);
    if (usernameIssue) return { field: 'username', message: usernameIssue };
    if (form.password === '') return { field: 'password', message: 'Choose a password.' };
    if (form.password !== form.confirm) return { field: 'password', message: 'The two passwords differ. Type the same password twice.' };
    if (this.o.welcome.codeOfConduct && !form.agreed) return { field: 'agreed', message: 'To join, you need to agree to the code of conduct: tick the box after reading it.' };
    return null;
  }

  private async recheck(code: string): Promise<Unusable | null> {
    const invitation = await this.o.invitations.get(code);
    if (!invitation) return 'unknown';
    const state = stateOf(invitation, this.now());
    return state === 'open' ? null : state;
  }

  /** The account exists: who invited them, their agreement, the invitation used, the welcome under way. */
  private async recordSignUp(invitation: InvitationRow, userId: string, agreed: boolean): Promise<void> {
    const now = this.now();
    await this.o.invitations.markUsed(invitation.code, userId);
    await this.o.store.recordSignUp(userId, invitation.createdBy, invitation.code, now);
    const coc = this.o.welcome.codeOfConduct;
    if (coc && agreed) await this.o.store.agree(userId, coc.version, now);
    this.o.log.info('a new member signed up with an invitation', { user_id: userId, invited_by: invitation.createdBy, agreed_version: coc?.version ?? null });
    await this.o.notify(`${userId} signed up with an invitation from ${invitation.createdBy}${invitation.note ? ` ("${invitation.note}")` : ''}${coc ? ' and agreed to the code of conduct' : ''}.`);
    await this.o.noticeMember(userId);
    await this.o.welcome.announce(userId);
  }
}
