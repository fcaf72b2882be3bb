// Generates transactions as a hostile or broken homeserver might push them:
// every field of an event with every wrong type, keys that pollute prototypes,
// state keys missing or of the wrong type, huge strings, deep nesting, events
// for rooms nobody knows, event IDs reused across transactions, and bodies
// that are not JSON or not UTF-8. A seeded generator: the same seed gives the
// same transactions, so a failure can be replayed.

export interface HostileTransaction {
  kind: string;
  /** The body as sent: JSON text, or raw bytes for the bodies that are not valid UTF-8. */
  body: string | Buffer;
  /** Whether a valid command can ride along in it: the body is `{"events":[` and at least one event. */
  carries: boolean;
}

const EVENTS_START = '{"events":[';

/** The same transaction with `event` first in its events. */
export function carrying(txn: HostileTransaction, event: Record<string, unknown>): HostileTransaction {
  if (!txn.carries || typeof txn.body !== 'string' || !txn.body.startsWith(EVENTS_START)) throw new Error(`a ${txn.kind} transaction cannot carry an event`);
  return { ...txn, body: `${EVENTS_START}${JSON.stringify(event)},${txn.body.slice(EVENTS_START.length)}` };
}

/** mulberry32: small, fast, and the same everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIELDS = ['event_id', 'room_id', 'type', 'sender', 'origin_server_ts', 'content', 'state_key', 'unsigned'] as const;
const WRONG_VALUES: readonly unknown[] = [null, true, 0, -1, 1e308, '', 'x', [], [1, 'a'], {}, { nested: { deeper: [] } }];
const TYPES = ['m.room.message', 'm.room.member', 'm.room.server_acl', 'm.room.power_levels', 'm.room.create', 'm.space.child', 'm.room.encrypted', 'm.policy.rule.server', 'org.example.noise'];

export class HostileGenerator {
  private readonly random: () => number;
  private readonly usedIds: string[] = [];
  private readonly serverName: string;
  private counter = 0;

  constructor(seed: number, serverName: string) {
    this.random = seededRandom(seed);
    this.serverName = serverName;
  }

  private pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.random() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** A fresh event ID, or now and then one already used in an earlier transaction. */
  private eventId(): string {
    if (this.usedIds.length > 0 && this.random() < 0.2) return this.pick(this.usedIds);
    const id = `$hostile-${this.counter++}-${Math.floor(this.random() * 1e9)}`;
    if (this.usedIds.length < 500) this.usedIds.push(id);
    return id;
  }

  /** A well-formed event in a room nobody knows, of a type some domain handles. */
  validEvent(): Record<string, unknown> {
    const type = this.pick(TYPES);
    const event: Record<string, unknown> = {
      event_id: this.eventId(),
      room_id: `!unknown-${Math.floor(this.random() * 50)}:${this.serverName}`,
      type,
      sender: this.pick([`@nobody:${this.serverName}`, '@someone:far.test', `@hearth:${this.serverName}`]),
      origin_server_ts: Date.now(),
      content: this.pick<Record<string, unknown>>([
        { msgtype: 'm.text', body: this.pick(['hello', '!help', '!room list', '!tier', '']) },
        { membership: this.pick(['invite', 'join', 'leave', 'ban', 42]) },
        { allow: this.pick([['*'], 'everyone', [1, 2]]), deny: this.pick([[], null, ['*']]) },
        { users: { [`@x:${this.serverName}`]: 'lots' }, events: [] },
        { entity: this.pick(['*', '**', 'camp.test', 7]), recommendation: 'm.ban' },
      ]),
    };
    if (type !== 'm.room.message' && this.random() < 0.8) event.state_key = this.pick(['', `@x:${this.serverName}`, 'rule:x']);
    return event;
  }

  /** An event with one field given a wrong type, or taken away. */
  wrongType(): Record<string, unknown> {
    const event = this.validEvent();
    const field = this.pick(FIELDS);
    if (this.random() < 0.2) return Object.fromEntries(Object.entries(event).filter(([key]) => key !== field));
    event[field] = this.pick(WRONG_VALUES);
    return event;
  }

  stateKeyAbuse(): Record<string, unknown> {
    const event = this.validEvent();
    event.type = this.pick(['m.room.member', 'm.room.server_acl', 'm.space.child', 'm.policy.rule.server']);
    if (this.random() < 0.5) delete event.state_key;
    else event.state_key = this.pick([null, 7, {}, [], true]);
    return event;
  }

  hugeStrings(): Record<string, unknown> {
    const event = this.validEvent();
    const size = this.pick([10_000, 100_000, 1_000_000]);
    const field = this.pick(['body', 'event_id', 'room_id', 'type', 'sender', 'state_key']);
    if (field === 'body') event.content = { msgtype: 'm.text', body: `!help ${'x'.repeat(size)}` };
    else event[field] = `${field === 'event_id' ? '$' : ''}${'y'.repeat(size)}`;
    return event;
  }

  /**
   * An event whose content is nested `depth` levels deep, as text: past a few
   * thousand levels JSON.stringify itself runs out of stack, while JSON.parse
   * (what Hearth's listener runs) does not.
   */
  private deepNesting(depth: number): HostileTransaction {
    const event = JSON.stringify({ ...this.validEvent(), content: 'DEEP' });
    const body = `{"events":[${event.replace('"DEEP"', `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`)}]}`;
    return { kind: 'deep-nesting', body, carries: true };
  }

  /** A transaction of `count` events of the given kind. */
  private ofEvents(kind: string, events: unknown[]): HostileTransaction {
    return { kind, body: JSON.stringify({ events }), carries: true };
  }

  /** Prototype-polluting keys must be written as text: an object literal would set the prototype, not a key. */
  private prototypeKeys(): HostileTransaction {
    const event = JSON.stringify(this.validEvent()).slice(0, -1);
    const extra = this.pick([
      '"__proto__":{"polluted":true,"status":"done"}',
      '"constructor":{"prototype":{"polluted":true}}',
      '"content":{"__proto__":{"body":"!help"},"constructor":{"name":"x"}}',
      '"__proto__":null',
    ]);
    const body = `{"events":[${event},${extra}}],"__proto__":{"events":[]}}`;
    return { kind: 'prototype-keys', body, carries: true };
  }

  /** One of many small transactions, of a kind chosen at random. */
  next(): HostileTransaction {
    const count = 1 + Math.floor(this.random() * 4);
    const roll = this.random();
    if (roll < 0.15) return this.prototypeKeys();
    if (roll < 0.45) return this.ofEvents('wrong-types', Array.from({ length: count }, () => this.wrongType()));
    if (roll < 0.6) return this.ofEvents('state-keys', Array.from({ length: count }, () => this.stateKeyAbuse()));
    if (roll < 0.78) return this.ofEvents('unknown-rooms', Array.from({ length: count }, () => this.validEvent()));
    if (roll < 0.8) return this.ofEvents('huge-strings', [this.hugeStrings()]);
    if (roll < 0.83) return this.deepNesting(this.pick([100, 1_000, 10_000, 100_000]));
    if (roll < 0.88) return { kind: 'not-a-transaction', body: this.pick(['[]', '{}', '{"events":{}}', '{"events":"x"}', 'null', '"events"', '{"events":[1,2,null]}', '{']), carries: false };
    if (roll < 0.93) return this.invalidUtf8();
    return this.ofEvents('bare-values', Array.from({ length: count }, () => this.pick(WRONG_VALUES)));
  }

  private invalidUtf8(): HostileTransaction {
    const event = JSON.stringify({ ...this.validEvent(), content: { msgtype: 'm.text', body: 'BODY' } });
    const [before, after] = event.split('BODY');
    const bad = Buffer.from(this.pick([[0xff, 0xfe], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf0, 0x28, 0x8c, 0x28]]));
    return { kind: 'invalid-utf8', body: Buffer.concat([Buffer.from(`{"events":[${before ?? ''}`), bad, Buffer.from(`${after ?? ''}]}`)]), carries: false };
  }

  /** 10,000 events in one transaction: malformed ones, or well-formed ones of a type nothing handles. */
  manyEvents(wellFormed: boolean): HostileTransaction {
    const events = Array.from({ length: 10_000 }, () => (wellFormed ? { ...this.validEvent(), type: 'org.example.noise', event_id: `$noise-${this.counter++}` } : this.wrongType()));
    return this.ofEvents(wellFormed ? 'ten-thousand-noise' : 'ten-thousand-malformed', events);
  }

  /** A body over the listener's limit. */
  oversized(bytes: number): HostileTransaction {
    return { kind: 'oversized', body: `{"events":[{"content":{"body":"${'z'.repeat(bytes)}"}}]}`, carries: false };
  }

  /** Nesting deeper than a JSON parser's stack. */
  tooDeep(): HostileTransaction {
    return { kind: 'too-deep', body: `{"events":[${'['.repeat(200_000)}${']'.repeat(200_000)}]}`, carries: true };
  }
}
