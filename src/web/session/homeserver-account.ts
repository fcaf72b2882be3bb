// A member's own account on the homeserver, as the web listener uses it: a
// password login (m.login.password) that yields an access token, `whoami` to
// confirm whose token it is, and a logout that ends it. The password passes
// through on its way to the homeserver and is never kept or logged.
import { httpRequest } from '../../matrix/http.ts';

export type LoginOutcome =
  | { kind: 'logged in'; userId: string; accessToken: string }
  | { kind: 'refused'; reason: 'wrong password' | 'too many attempts' | 'homeserver unavailable'; detail: string };

export interface WhoAmI {
  userId: string;
  isGuest: boolean;
}

export interface HomeserverAccounts {
  login(localpart: string, password: string, deviceName: string): Promise<LoginOutcome>;
  whoami(accessToken: string): Promise<WhoAmI>;
  logout(accessToken: string): Promise<void>;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export interface AccountsSettings {
  homeserverUrl: string;
  /** A fresh signal for each request: its timeout and the stop's hard deadline. */
  requestSignal: () => AbortSignal;
}

function errcodeOf(answer: Answer): string {
  return typeof answer.body.errcode === 'string' ? answer.body.errcode : '';
}

/** What a refusal of /login means for the person at the form. */
export function loginRefusal(answer: Answer): 'wrong password' | 'too many attempts' | 'homeserver unavailable' {
  if (answer.status === 429 || answer.body.errcode === 'M_LIMIT_EXCEEDED') return 'too many attempts';
  if (answer.status === 403 || answer.status === 400 || answer.body.errcode === 'M_FORBIDDEN') return 'wrong password';
  return 'homeserver unavailable';
}

export function homeserverAccounts(settings: AccountsSettings): HomeserverAccounts {
  const call = async (method: 'GET' | 'POST', path: string, accessToken: string | null, body?: object): Promise<Answer> => {
    const response = await httpRequest(new URL(`/_matrix/client/v3/${path}`, settings.homeserverUrl), {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: settings.requestSignal(),
    });
    const text = await response.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      // Not JSON: a proxy's error page; its start says enough for the log.
      parsed = { error: text.slice(0, 200) };
    }
    return { status: response.status, body: parsed };
  };
  return {
    async login(localpart, password, deviceName) {
      const answer = await call('POST', 'login', null, {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: localpart },
        password,
        initial_device_display_name: deviceName,
      });
      const { user_id: userId, access_token: accessToken } = answer.body;
      if (answer.status === 200 && typeof userId === 'string' && typeof accessToken === 'string') return { kind: 'logged in', userId, accessToken };
      return { kind: 'refused', reason: loginRefusal(answer), detail: `${answer.status} ${errcodeOf(answer)}`.trim() };
    },
    async whoami(accessToken) {
      const answer = await call('GET', 'account/whoami', accessToken);
      const userId = answer.body.user_id;
      if (answer.status !== 200 || typeof userId !== 'string') throw new Error(`whoami answered ${answer.status} ${errcodeOf(answer)}`);
      return { userId, isGuest: answer.body.is_guest === true };
    },
    async logout(accessToken) {
      const answer = await call('POST', 'logout', accessToken, {});
      // A token the homeserver no longer knows is logged out already.
      if (answer.status !== 200 && answer.status !== 401) throw new Error(`logout answered ${answer.status} ${errcodeOf(answer)}`);
    },
  };
}
