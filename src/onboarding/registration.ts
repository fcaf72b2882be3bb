// Creating an account on the homeserver the way any client signs up: the
// client-server API's /register, with the registration token as its one
// interactive-authentication stage (m.login.registration_token). Synapse
// checks the username and the password, and itself refuses a token that is
// used, expired or unknown. The password passes through here on its way to
// Synapse and is never stored or logged; no login is made (inhibit_login).
import type { Logger } from '../logging/logger.ts';
import { httpRequest } from '../matrix/http.ts';

export type RegistrationOutcome =
  | { kind: 'registered'; userId: string }
  | { kind: 'refused'; reason: RegistrationRefusal; detail: string };

export type RegistrationRefusal =
  | 'username taken'
  | 'username invalid'
  | 'password refused'
  | 'token refused'
  | 'registration closed'
  | 'homeserver unavailable';

export interface RegistrationSettings {
  homeserverUrl: string;
  log: Logger;
  /** A fresh signal for each request: its timeout and the stop's hard deadline. */
  requestSignal: () => AbortSignal;
}

export interface SignUpRequest {
  username: string;
  password: string;
  token: string;
  deviceName: string;
}

interface RegisterAnswer {
  status: number;
  body: { user_id?: string; session?: string; errcode?: string; error?: string; flows?: { stages?: string[] }[]; completed?: string[] };
}

const TOKEN_STAGE = 'm.login.registration_token';
/** Stages that need nothing from the person: Synapse adds m.login.dummy after the token. */
const NOTHING_TO_ASK = new Set(['m.login.dummy']);

/** The stages of the first flow that a registration token completes (with stages that ask nothing), in order. */
export function tokenFlow(flows: readonly { stages?: readonly string[] }[]): string[] | null {
  for (const flow of flows) {
    const stages = flow.stages ?? [];
    if (stages.includes(TOKEN_STAGE) && stages.every((stage) => stage === TOKEN_STAGE || NOTHING_TO_ASK.has(stage))) return [...stages];
  }
  return null;
}

/** What a refusal from /register means for the person signing up. */
export function refusalOf(answer: RegisterAnswer): RegistrationRefusal {
  const code = answer.body.errcode ?? '';
  if (code === 'M_USER_IN_USE' || code === 'M_EXCLUSIVE') return 'username taken';
  if (code === 'M_INVALID_USERNAME') return 'username invalid';
  if (code === 'M_WEAK_PASSWORD' || code === 'M_PASSWORD_TOO_SHORT' || code.startsWith('M_PASSWORD_')) return 'password refused';
  if (answer.status === 401 || code === 'M_UNAUTHORIZED') return 'token refused';
  if (code === 'M_FORBIDDEN' && /token/i.test(answer.body.error ?? '')) return 'token refused';
  if (code === 'M_FORBIDDEN') return 'registration closed';
  return 'homeserver unavailable';
}

export class Registration {
  private readonly s: RegistrationSettings;

  constructor(settings: RegistrationSettings) {
    this.s = settings;
  }

  private async post(body: Record<string, unknown>): Promise<RegisterAnswer> {
    const response = await httpRequest(new URL('/_matrix/client/v3/register', this.s.homeserverUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: this.s.requestSignal(),
    });
    const text = await response.text();
    let parsed: RegisterAnswer['body'];
    try {
      parsed = text === '' ? {} : (JSON.parse(text) as RegisterAnswer['body']);
    } catch {
      // Not JSON: a proxy's error page; its start says enough for the log.
      parsed = { error: text.slice(0, 200) };
    }
    return { status: response.status, body: parsed };
  }

  async register(request: SignUpRequest): Promise<RegistrationOutcome> {
    const account = {
      username: request.username,
      password: request.password,
      initial_device_display_name: request.deviceName,
      inhibit_login: true,
    };
    // The first request names the account: Synapse checks the username and
    // password and answers with the stages to complete (or a refusal).
    const first = await this.post(account);
    if (first.status === 200 && first.body.user_id) return { kind: 'registered', userId: first.body.user_id };
    if (first.status !== 401 || !first.body.session) return this.refused(first);
    const stages = tokenFlow(first.body.flows ?? []);
    if (!stages) {
      this.s.log.warn('the homeserver offers no sign-up with a registration token; set registration_requires_token in its config', { flows: first.body.flows });
      return { kind: 'refused', reason: 'registration closed', detail: 'no registration-token flow' };
    }
    let answer = first;
    for (const stage of stages) {
      const auth = stage === TOKEN_STAGE ? { type: stage, token: request.token, session: first.body.session } : { type: stage, session: first.body.session };
      answer = await this.post({ ...account, auth });
      if (answer.status === 200 && answer.body.user_id) return { kind: 'registered', userId: answer.body.user_id };
      // A 401 that still carries the session asks for the next stage; anything else is the answer.
      if (answer.status !== 401 || answer.body.errcode !== undefined) return this.refused(answer);
    }
    return this.refused(answer);
  }

  private refused(answer: RegisterAnswer): RegistrationOutcome {
    const reason = refusalOf(answer);
    const detail = `${answer.status} ${answer.body.errcode ?? ''} ${answer.body.error ?? ''}`.trim();
    // The log says what Synapse answered; never what was typed.
    const fields = { reason, status: answer.status, errcode: answer.body.errcode };
    if (reason === 'homeserver unavailable' || reason === 'registration closed') this.s.log.warn('the homeserver refused a sign-up', fields);
    else this.s.log.info('the homeserver refused a sign-up', fields);
    return { kind: 'refused', reason, detail };
  }
}
