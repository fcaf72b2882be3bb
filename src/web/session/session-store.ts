// Where the web sessions live: in memory, bounded, for express-session. A
// session holds the member's homeserver access token, so it is kept nowhere
// on disk: a copy of the database never carries a token someone could use.
// Each session ends a fixed time after its login, whatever the browser does
// meanwhile; a session that ends for any reason (logout, expiry, the oldest
// making room for a new one, Hearth stopping) has its token logged out at
// the homeserver through `onEnd`.
import session, { type SessionData } from 'express-session';

declare module 'express-session' {
  interface SessionData {
    userId: string;
    accessToken: string;
    loggedInAt: number;
  }
}

export interface SessionStoreOptions {
  lifetimeMs: number;
  maxSessions: number;
  /** Logs the token of an ended session out; failures are the callee's to report. */
  onEnd: (ended: { userId: string; accessToken: string }) => Promise<void>;
  now?: () => number;
}

type Callback = (error?: unknown) => void;

export class BoundedSessionStore extends session.Store {
  private readonly o: SessionStoreOptions;
  // A Map keeps insertion order: the first entry is the oldest session.
  private readonly sessions = new Map<string, SessionData>();
  private readonly ending = new Set<Promise<void>>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(options: SessionStoreOptions) {
    super();
    this.o = options;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private expired(data: SessionData): boolean {
    // A session without a login (none is stored, but a stale shape must not live on) counts as ended.
    return typeof data.loggedInAt !== 'number' || this.now() >= data.loggedInAt + this.o.lifetimeMs;
  }

  /** Removes a session and logs its token out; resolves once the homeserver answered. */
  private end(sid: string): Promise<void> {
    const data = this.sessions.get(sid);
    this.sessions.delete(sid);
    if (!data?.accessToken) return Promise.resolve();
    const ending = this.o.onEnd({ userId: data.userId, accessToken: data.accessToken });
    this.ending.add(ending);
    return ending.finally(() => { this.ending.delete(ending); });
  }

  get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    const data = this.sessions.get(sid);
    if (data && this.expired(data)) {
      void this.end(sid);
      callback(null, null);
      return;
    }
    callback(null, data ? structuredClone(data) : null);
  }

  set(sid: string, data: SessionData, callback?: Callback): void {
    if (!this.sessions.has(sid)) {
      while (this.sessions.size >= this.o.maxSessions) {
        const oldest = this.sessions.keys().next().value;
        if (oldest === undefined) break;
        void this.end(oldest);
      }
    }
    this.sessions.set(sid, structuredClone(data));
    callback?.();
  }

  destroy(sid: string, callback?: Callback): void {
    this.end(sid).then(() => { callback?.(); }, (error: unknown) => { callback?.(error); });
  }

  /** The lifetime is fixed at login: a request does not extend it. */
  override touch(_sid: string, _data: SessionData, callback?: () => void): void {
    callback?.();
  }

  /** Ends every session whose lifetime is over. */
  sweep(): void {
    for (const [sid, data] of [...this.sessions]) if (this.expired(data)) void this.end(sid);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Sweeps every minute until stopped. */
  start(intervalMs = 60_000): void {
    this.sweeper = setInterval(() => { this.sweep(); }, intervalMs);
    this.sweeper.unref();
  }

  /** Ends every session (Hearth is stopping: nobody could use their tokens after it) and waits for the logouts. */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const sid of [...this.sessions.keys()]) void this.end(sid);
    await Promise.allSettled([...this.ending]);
  }
}
