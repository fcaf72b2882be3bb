// The instruments of the tier-promise suite: secrets (unique random strings
// with the tier they were posted at), readers (someone outside an audience,
// every answer of whose is searched for secrets they may not read), and the
// ledger that counts the paths tried and the leaks found.
//
// A leak is a secret found in anything a reader receives, or in the files of
// the reader's own homeserver (its database, media and log), when the
// reader's audience does not include the secret's tier. A secret the reader
// itself named in a request (a room ID or an alias handed over as a link
// would be) is not a leak when it comes back.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { federationRequest } from './federation-request.ts';
import { Member, server } from './member.ts';

export type Tier = 'local' | 'neighborhood' | 'public';

export interface Secret {
  readonly value: string;
  readonly tier: Tier;
  /** What it was planted as: message, topic, ban reason, room ID, … */
  readonly kind: string;
  /** Where it was planted, in words: "the local timeline". */
  readonly place: string;
  /** Order of minting: lets a check cover only what was posted after some moment. */
  readonly serial: number;
}

export class SecretBook {
  private readonly secrets: Secret[] = [];

  /** A fresh secret, e.g. `SECRET-local-topic-3f9a…`, recorded with its tier. */
  mint(tier: Tier, kind: string, place: string): string {
    const value = `SECRET-${tier}-${kind.replace(/[^a-z0-9]+/gi, '')}-${randomBytes(6).toString('hex')}`;
    this.record(value, tier, kind, place);
    return value;
  }

  /** A string that is secret without being minted here: a room ID, a media ID. */
  record(value: string, tier: Tier, kind: string, place: string): void {
    this.secrets.push({ value, tier, kind, place, serial: this.secrets.length });
  }

  all(): readonly Secret[] {
    return this.secrets;
  }

  /** The serial the next secret will get: "everything planted from now on". */
  mark(): number {
    return this.secrets.length;
  }

  find(value: string): Secret | undefined {
    return this.secrets.find((s) => s.value === value);
  }
}

/** Who may read a secret, as a reader's audience says. */
export type Audience = (secret: Secret) => boolean;

/** The audience of a reader who may read the given tiers. */
export function tiers(...allowed: Tier[]): Audience {
  return (secret) => allowed.includes(secret.tier);
}

/** Like `base`, but also every secret of `tier` minted before `serial` (a reader who was in that audience until then). */
export function until(base: Audience, tier: Tier, serial: number): Audience {
  return (secret) => base(secret) || (secret.tier === tier && secret.serial < serial);
}

export interface Leak {
  reader: string;
  path: string;
  secret: Secret;
  /** What surrounded the secret where it was found, to show where it came from. */
  context?: string;
}

/** A short stretch of `text` before and after the first place `value` appears. */
function around(text: string, value: string): string {
  const at = text.toLowerCase().indexOf(value.toLowerCase());
  return text.slice(Math.max(0, at - 100), at + value.length + 20).replace(/\s+/g, ' ');
}

export class LeakLedger {
  readonly leaks: Leak[] = [];
  readonly notTried: string[] = [];
  private readonly paths = new Set<string>();
  private readonly given = new Map<string, Set<string>>();

  readonly book: SecretBook;

  constructor(book: SecretBook) {
    this.book = book;
  }

  /** Counts a path as tried (once per reader and path). */
  tried(reader: string, path: string): void {
    this.paths.add(`${reader}\u0000${path}`);
  }

  notTriedBecause(path: string, why: string): void {
    this.notTried.push(`not tried: ${path}: ${why}`);
  }

  get pathCount(): number {
    return this.paths.size;
  }

  /** Remembers the secrets a party named itself (in a request URL or body): they are no leak when they come back. */
  give(party: string, text: string): void {
    const mine = this.given.get(party) ?? new Set<string>();
    for (const secret of this.book.all()) if (text.includes(secret.value)) mine.add(secret.value);
    this.given.set(party, mine);
  }

  wasGiven(party: string, value: string): boolean {
    return this.given.get(party)?.has(value) ?? false;
  }

  /** Searches what a reader received; records and returns the leaks in it. */
  scan(reader: string, audience: Audience, path: string, received: string, givenTo: readonly string[] = [reader]): Leak[] {
    this.tried(reader, path);
    const haystack = received.toLowerCase();
    const found: Leak[] = [];
    for (const secret of this.book.all()) {
      if (audience(secret) || givenTo.some((party) => this.wasGiven(party, secret.value))) continue;
      if (haystack.includes(secret.value.toLowerCase())) found.push(this.record({ reader, path, secret, context: around(received, secret.value) }));
    }
    return found;
  }

  /** A leak that is no string: a reader let into a room it may not be in. */
  admitted(reader: string, path: string, secret: Secret): void {
    this.record({ reader, path, secret });
  }

  private record(leak: Leak): Leak {
    const duplicate = this.leaks.find((l) => l.reader === leak.reader && l.path === leak.path && l.secret.value === leak.secret.value);
    if (duplicate) return duplicate;
    this.leaks.push(leak);
    process.stdout.write(`${describeLeak(leak)}\n`);
    return leak;
  }

  since(count: number): Leak[] {
    return this.leaks.slice(count);
  }

  summary(): string {
    return `${this.pathCount} paths tried, ${this.leaks.length} leaks`;
  }
}

export function describeLeak(leak: Leak): string {
  const where = leak.context === undefined ? '' : `\n    found in: …${leak.context}…`;
  return `LEAK: ${leak.reader} via ${leak.path}: ${leak.secret.tier} ${leak.secret.kind} of ${leak.secret.place} (${leak.secret.value})${where}`;
}

interface ReaderAccess {
  serverName: string;
  clientUrl: string;
  token: string | null;
  userId: string | null;
  home: string | null;
}

/** The answer's JSON; null for media and error pages, whose text is searched all the same. */
function parsedOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export interface Answer {
  status: number;
  text: string;
  json: unknown;
}

/**
 * Someone trying to read: a user of some server, a guest, or a client with no
 * account. Every request goes through `request`, and every answer is searched.
 */
export class Reader {
  readonly name: string;
  readonly ledger: LeakLedger;
  readonly audience: Audience;
  /** The server whose files hold what this reader's server received (null: a guest or a client with no account). */
  readonly home: string | null;
  private readonly access: ReaderAccess;

  constructor(name: string, ledger: LeakLedger, audience: Audience, access: ReaderAccess) {
    this.name = name;
    this.ledger = ledger;
    this.audience = audience;
    this.access = access;
    this.home = access.home;
  }

  /** The same account judged by another audience: someone whose audience changed (banned, or their server removed). */
  withAudience(audience: Audience, name = this.name): Reader {
    return new Reader(name, this.ledger, audience, this.access);
  }

  /** The same account as a plain test client, to act without probing (inviting, say). */
  asMember(): Member {
    if (this.access.token === null || this.access.userId === null) throw new Error(`${this.name} has no account`);
    return new Member(server(this.access.serverName), this.access.userId, this.access.token);
  }

  get userId(): string {
    if (this.access.userId === null) throw new Error(`${this.name} has no account`);
    return this.access.userId;
  }

  /** `apiPath` starts at /_matrix/…; `path` names the probe in the report. */
  async request(path: string, method: string, apiPath: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    this.ledger.give(this.name, decodeURIComponent(apiPath) + (payload ?? ''));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.access.token !== null) headers.authorization = `Bearer ${this.access.token}`;
    const response = await fetch(`${this.access.clientUrl}${apiPath}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
    const text = await response.text();
    this.ledger.scan(this.name, this.audience, path, text);
    return { status: response.status, text, json: parsedOrNull(text) };
  }

  async client(path: string, method: string, clientPath: string, body?: unknown): Promise<Answer> {
    return this.request(path, method, `/_matrix/client/v3${clientPath}`, body);
  }

  async join(path: string, roomIdOrAlias: string, via: readonly string[] = []): Promise<Answer> {
    const query = via.map((s) => `server_name=${encodeURIComponent(s)}&via=${encodeURIComponent(s)}`).join('&');
    return this.client(path, 'POST', `/join/${encodeURIComponent(roomIdOrAlias)}${query ? `?${query}` : ''}`, {});
  }

  async messages(path: string, roomId: string): Promise<Answer> {
    return this.client(path, 'GET', `/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=200`);
  }

  async send(path: string, roomId: string, content: Record<string, unknown>, type = 'm.room.message'): Promise<Answer> {
    return this.client(path, 'PUT', `/rooms/${encodeURIComponent(roomId)}/send/${type}/${randomBytes(8).toString('hex')}`, content);
  }

  /** A full initial sync: everything the reader's server hands its client. */
  async sync(path: string): Promise<Answer> {
    return this.client(path, 'GET', '/sync?timeout=0&full_state=true');
  }

  async membership(roomId: string): Promise<string | null> {
    const answer = await this.client(`membership in ${roomId}`, 'GET', `/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${encodeURIComponent(this.userId)}`);
    if (answer.status !== 200) return null;
    const membership = (answer.json as { membership?: unknown }).membership;
    return typeof membership === 'string' ? membership : null;
  }

  /** The bodies and keys this reader sees in a room's timeline (empty when it may not read it). */
  async timelineText(path: string, roomId: string): Promise<string> {
    return (await this.messages(path, roomId)).text;
  }
}

/** A reader with an account on a testbed server. */
export function accountReader(name: string, ledger: LeakLedger, audience: Audience, serverName: string, user: { user_id: string; access_token: string }, home: string | null): Reader {
  return new Reader(name, ledger, audience, { serverName, clientUrl: server(serverName).client_url, token: user.access_token, userId: user.user_id, home });
}

/** A client with no account, talking to a server's client API. */
export function anonymousReader(name: string, ledger: LeakLedger, serverName: string): Reader {
  return new Reader(name, ledger, tiers('public'), { serverName, clientUrl: server(serverName).client_url, token: null, userId: null, home: null });
}

/** A guest of a server (Synapse numbers guests' localparts). */
export async function guestReader(name: string, ledger: LeakLedger, serverName: string): Promise<Reader> {
  const response = await fetch(`${server(serverName).client_url}/_matrix/client/v3/register?kind=guest`, {
    method: 'POST', body: '{}', headers: { 'content-type': 'application/json' },
  });
  if (!response.ok) throw new Error(`guest registration on ${serverName}: ${response.status}`);
  const guest = (await response.json()) as { user_id: string; access_token: string };
  return accountReader(name, ledger, tiers('public'), serverName, guest, null);
}

function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) files.push(...filesUnder(path));
    else if (stat?.isFile()) files.push(path);
  }
  return files;
}

/** Where each server's log stood when the secrets began: none of them can be in what came before. */
const logStarts = new Map<string, number>();

/** Remembers how long each server's log is now, so later searches read only what was written after. */
export function markLogs(serverNames: readonly string[]): void {
  for (const name of serverNames) logStarts.set(name, statSync(server(name).synapse_log, { throwIfNoEntry: false })?.size ?? 0);
}

function logSinceMark(serverName: string): Buffer {
  const bytes = readFileSync(server(serverName).synapse_log);
  return bytes.subarray(Math.min(logStarts.get(serverName) ?? 0, bytes.length));
}

function keptFiles(serverName: string): string[] {
  return filesUnder(server(serverName).synapse_dir).filter((f) => /homeserver\.db|[/\\]media[/\\]/.test(f));
}

/**
 * Searches the bytes of what a homeserver keeps — its SQLite database and
 * write-ahead log, its media store, and its log, where incoming
 * transactions are logged — for every secret the audience may not read.
 * Records each find as a leak of `reader`.
 */
export function searchServerFiles(ledger: LeakLedger, reader: string, audience: Audience, serverName: string, givenTo: readonly string[], include: (secret: Secret) => boolean = () => true): void {
  const info = server(serverName);
  const contents = [
    ...keptFiles(serverName).map((file) => ({ name: file.slice(info.synapse_dir.length + 1), bytes: readFileSync(file) })),
    { name: 'synapse.log', bytes: logSinceMark(serverName) },
  ];
  const path = `${serverName}'s own files (database, media, log)`;
  ledger.tried(reader, path);
  for (const secret of ledger.book.all()) {
    // Room IDs are left out: a server that was handed one and tried to join keeps it in its tables.
    if (secret.kind === 'room ID' || audience(secret) || !include(secret)) continue;
    if (givenTo.some((party) => ledger.wasGiven(party, secret.value))) continue;
    const hit = contents.find(({ bytes }) => bytes.includes(secret.value));
    if (hit) ledger.admitted(reader, `${path}: ${hit.name}`, secret);
  }
}

/** Whether a homeserver's files hold a string: the positive control of the file search. */
export function serverFilesHold(serverName: string, value: string): boolean {
  return keptFiles(serverName).some((file) => readFileSync(file).includes(value));
}

/**
 * A server itself asking another over federation, each request signed with
 * its real key: what any server on the internet could ask.
 */
export class FederationReader {
  readonly name: string;
  readonly ledger: LeakLedger;
  readonly audience: Audience;
  /** The server it speaks as. */
  readonly origin: string;

  constructor(name: string, ledger: LeakLedger, audience: Audience, origin: string) {
    this.name = name;
    this.ledger = ledger;
    this.audience = audience;
    this.origin = origin;
  }

  async request(path: string, destination: string, method: string, uri: string, content?: unknown): Promise<Answer> {
    this.ledger.give(this.name, decodeURIComponent(uri) + (content === undefined ? '' : JSON.stringify(content)));
    const answer = await federationRequest(this.origin, destination, method, uri, content);
    this.ledger.scan(this.name, this.audience, path, answer.body);
    return { status: answer.status, text: answer.body, json: parsedOrNull(answer.body) };
  }
}
