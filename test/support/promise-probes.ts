// The probes of the tier-promise suite, each one path by which a reader
// might read what its audience excludes: room metadata (summaries,
// hierarchies, the directory, federation reads), joins and aliases,
// invitations, the bot's answers, and what a reader's /sync hands it. Each
// request goes through a Reader or a FederationReader, so every answer is
// searched for secrets. Also the few facts the scenarios wait on.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { botOf, hearthSql } from './hearth.ts';
import type { Answer, Reader, Secret } from './leak-probe.ts';
import { type Member, server, waitFor } from './member.ts';
import { accepted } from './planting.ts';
import { CAMP, GLEN, HOOD, settle, type Room, type World } from './promise-world.ts';

export function secretOf(world: World, roomLabel: string, kind: string): Secret {
  const secret = world.book.all().find((s) => s.place === roomLabel && s.kind === kind);
  if (!secret) throw new Error(`no ${kind} was planted in ${roomLabel}`);
  return secret;
}

/** The remote readers have received everything camp sent before this: a later post has reached each of them. */
export async function deliveredTo(world: World, readers: readonly Reader[]): Promise<void> {
  const marker = `delivery marker ${randomBytes(6).toString('hex')}`;
  await world.alice.member.send(world.publicSquare.roomId, marker);
  for (const reader of readers) {
    // Synapse sends one destination's events in order, so once this one arrived, everything before it has.
    await waitFor(`${reader.name} to receive the marker`, async () => (await reader.messages('reading the public square', world.publicSquare.roomId)).text.includes(marker), 180_000);
  }
}

/** Who of a server is joined to a camp room, asked through camp's admin API. */
export async function joinedFrom(roomId: string, serverName: string): Promise<string[]> {
  const info = server(CAMP);
  const response = await fetch(`${info.client_url}/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/members`, { headers: { authorization: `Bearer ${info.admin_access_token}` } });
  const { members } = (await response.json()) as { members: string[] };
  return members.filter((m) => m.endsWith(`:${serverName}`));
}

export async function aclJobsDone(serverName: string): Promise<boolean> {
  return Number((await hearthSql<{ n: string }>(serverName, "select count(*) as n from jobs where kind = 'acl-push' and finished_at is null"))[0]?.n ?? 0) === 0;
}

export function roomSecret(world: World, room: Room): Secret | undefined {
  return world.book.all().find((s) => s.kind === 'room ID' && s.value === room.roomId);
}

/** Everything a reader's server hands its client: sync, and every room it is in or invited to counts against it. */
export async function syncProbe(world: World, reader: Reader, path = 'its own /sync'): Promise<void> {
  const answer = await reader.sync(path);
  const rooms = (answer.json as { rooms?: Record<string, Record<string, unknown> | undefined> } | null)?.rooms ?? {};
  for (const section of ['join', 'invite', 'knock'] as const) {
    for (const roomId of Object.keys(rooms[section] ?? {})) {
      const secret = world.book.all().find((s) => s.kind === 'room ID' && s.value === roomId);
      if (secret && !reader.audience(secret)) world.ledger.admitted(reader.name, `${path}: ${section === 'join' ? 'joined' : section === 'invite' ? 'invited to' : 'knocking on'} ${secret.place}`, secret);
    }
  }
}

/** Fails the test if anything leaked since `from`; each leak was printed as a LEAK line when it was found. */
export function assertNoLeaksSince(world: World, from: number): void {
  const leaks = world.ledger.since(from);
  const readers = [...new Set(leaks.map((l) => l.reader))];
  assert.equal(leaks.length, 0, `${leaks.length} leak(s), to ${readers.join('; ')} (each printed above as a LEAK line)`);
}

export function readersWithAccounts(world: World): Reader[] {
  const { far, glen, hood, guest } = world.readers;
  return [far, glen, hood, guest];
}

export function clientReaders(world: World): Reader[] {
  return [...readersWithAccounts(world), world.readers.anonymousAtCamp, world.readers.anonymousAtFar];
}

export function forbiddenRooms(world: World, reader: Reader): Room[] {
  return [world.space, world.adminRoom, ...(world.banList ? [world.banList] : []), ...world.planted].filter((room) => {
    const secret = roomSecret(world, room);
    return room === world.space || (secret !== undefined && !reader.audience(secret));
  });
}

const enc = encodeURIComponent;

// ---- Probes of room metadata: summaries, hierarchies, the directory ----

export async function summaryProbes(reader: Reader, room: Room): Promise<void> {
  await reader.request(`room summary of ${room.label}`, 'GET', `/_matrix/client/v1/room_summary/${enc(room.roomId)}`);
  await reader.request(`room summary of ${room.label} via camp.test`, 'GET', `/_matrix/client/v1/room_summary/${enc(room.roomId)}?via=${CAMP}`);
  await reader.request(`unstable summary of ${room.label} via camp.test`, 'GET', `/_matrix/client/unstable/im.nheko.summary/rooms/${enc(room.roomId)}/summary?via=${CAMP}`);
  await reader.request(`unstable summary (newer path) of ${room.label} via camp.test`, 'GET', `/_matrix/client/unstable/im.nheko.summary/summary/${enc(room.roomId)}?via=${CAMP}`);
  await reader.request(`hierarchy of ${room.label}`, 'GET', `/_matrix/client/v1/rooms/${enc(room.roomId)}/hierarchy`);
  await reader.request(`hierarchy of ${room.label} via camp.test`, 'GET', `/_matrix/client/v1/rooms/${enc(room.roomId)}/hierarchy?via=${CAMP}&max_depth=5`);
}

export async function roomReadProbes(reader: Reader, room: Room): Promise<void> {
  const base = `/rooms/${enc(room.roomId)}`;
  const createEvent = `$${room.roomId.slice(1)}`;
  await reader.messages(`the messages of ${room.label}, unjoined`, room.roomId);
  await reader.client(`the state of ${room.label}, unjoined`, 'GET', `${base}/state`);
  await reader.client(`the members of ${room.label}, unjoined`, 'GET', `${base}/members`);
  await reader.client(`the aliases of ${room.label}, unjoined`, 'GET', `${base}/aliases`);
  await reader.client(`the create event of ${room.label}, unjoined`, 'GET', `${base}/event/${enc(createEvent)}`);
  await reader.client(`a peek at ${room.label} (initialSync)`, 'GET', `${base}/initialSync`);
}

export async function directoryProbes(reader: Reader): Promise<void> {
  await reader.client('the room directory of its own server', 'GET', '/publicRooms?limit=500');
  await reader.client('camp.test\'s room directory', 'POST', `/publicRooms?server=${CAMP}`, { limit: 500, include_all_networks: true });
  await reader.client('camp.test\'s room directory searched for "SECRET"', 'POST', `/publicRooms?server=${CAMP}`, { limit: 500, filter: { generic_search_term: 'SECRET' } });
}

export async function federationMetadataProbes(world: World, room: Room): Promise<void> {
  const far = world.readers.farServer;
  const createEvent = `$${room.roomId.slice(1)}`;
  await far.request(`federation hierarchy of ${room.label}`, CAMP, 'GET', `/_matrix/federation/v1/hierarchy/${enc(room.roomId)}?suggested_only=false`);
  await far.request(`federation state of ${room.label}`, CAMP, 'GET', `/_matrix/federation/v1/state/${enc(room.roomId)}?event_id=${enc(createEvent)}`);
  await far.request(`federation state IDs of ${room.label}`, CAMP, 'GET', `/_matrix/federation/v1/state_ids/${enc(room.roomId)}?event_id=${enc(createEvent)}`);
  await far.request(`federation create event of ${room.label}`, CAMP, 'GET', `/_matrix/federation/v1/event/${enc(createEvent)}`);
  await far.request(`federation backfill of ${room.label}`, CAMP, 'GET', `/_matrix/federation/v1/backfill/${enc(room.roomId)}?v=${enc(createEvent)}&limit=100`);
  await far.request(`federation make_join for ${room.label}`, CAMP, 'GET', `/_matrix/federation/v1/make_join/${enc(room.roomId)}/${enc('@probe:far.test')}?ver=12`);
  await far.request(`federation make_knock for ${room.label}`, CAMP, 'GET', `/_matrix/federation/v1/make_knock/${enc(room.roomId)}/${enc('@probe:far.test')}?ver=12`);
}

/** The alias earlier versions gave camp's ban list: a name anyone could guess. */
export const LEGACY_BAN_LIST_ALIAS = `#hearth_banlist:${CAMP}`;

/** Resolving an alias a reader could guess, through its own server, and as far.test over federation. */
export async function guessedAliasProbes(world: World, alias: string): Promise<void> {
  for (const reader of clientReaders(world)) {
    await reader.client(`resolving the guessable alias ${alias}`, 'GET', `/directory/room/${enc(alias)}`);
    await reader.request(`room summary by the guessable alias ${alias}`, 'GET', `/_matrix/client/v1/room_summary/${enc(alias)}`);
  }
  await world.readers.farServer.request(`federation query of the guessable alias ${alias}`, CAMP, 'GET', `/_matrix/federation/v1/query/directory?room_alias=${enc(alias)}`);
}

export async function federationDirectoryProbes(world: World): Promise<void> {
  const far = world.readers.farServer;
  await far.request('federation publicRooms', CAMP, 'GET', '/_matrix/federation/v1/publicRooms?limit=500&include_all_networks=true');
  await far.request('federation publicRooms searched for "SECRET"', CAMP, 'POST', '/_matrix/federation/v1/publicRooms', { limit: 500, filter: { generic_search_term: 'SECRET' }, include_all_networks: true });
}

// ---- Probes of joining ----

export async function joinProbes(world: World, reader: Reader, room: Room): Promise<void> {
  const viaSets: string[][] = reader.home === null ? [[]] : [[], [CAMP], [HOOD], [GLEN]];
  for (const via of viaSets) {
    const path = `joining ${room.label} by its ID${via.length > 0 ? ` via ${via.join()}` : ''}`;
    await admittedIf(world, reader, room, path, await reader.join(path, room.roomId, via));
  }
  await reader.client(`knocking on ${room.label}`, 'POST', `/knock/${enc(room.roomId)}?via=${CAMP}&server_name=${CAMP}`, {});
}

export async function aliasProbes(world: World, reader: Reader, room: Room, alias: string): Promise<void> {
  await reader.client(`resolving ${room.label}'s alias`, 'GET', `/directory/room/${enc(alias)}`);
  await reader.request(`room summary of ${room.label} by its alias`, 'GET', `/_matrix/client/v1/room_summary/${enc(alias)}`);
  if (reader.home !== null) {
    const path = `joining ${room.label} by its alias`;
    await admittedIf(world, reader, room, path, await reader.join(path, alias));
  }
}

/** A join that succeeded is a leak in itself; the reader then reads what it can, and leaves. */
async function admittedIf(world: World, reader: Reader, room: Room, path: string, answer: Answer): Promise<void> {
  if (answer.status !== 200) return;
  const secret = roomSecret(world, room) ?? world.book.all().find((s) => s.place === room.label);
  if (secret) world.ledger.admitted(reader.name, `${path} (the join succeeded)`, secret);
  await reader.messages(`${path}, then reading it`, room.roomId);
  await reader.client(`${path}, then leaving`, 'POST', `/rooms/${enc(room.roomId)}/leave`, {});
}

// ---- Probes of invitations ----

export interface Invitation {
  who: string;
  inviter: Member;
  room: Room;
  invitee: Reader;
}

/** Whether the reader holds an invitation to the room, by its own /sync. */
export async function invitedTo(reader: Reader, roomId: string): Promise<boolean> {
  const sync = await reader.client('its /sync, for its invitations', 'GET', '/sync?timeout=0');
  return Object.keys((sync.json as { rooms?: { invite?: Record<string, unknown> } } | null)?.rooms?.invite ?? {}).includes(roomId);
}

export async function invitationProbe(world: World, { who, inviter, room, invitee }: Invitation): Promise<void> {
  const path = `an invitation from ${who} to ${room.label}`;
  world.ledger.tried(invitee.name, path);
  if (!(await accepted(inviter.invite(room.roomId, invitee.userId)))) return;
  // The invitation reached the invitee's server with the room's stripped state before Hearth could see it.
  await syncProbe(world, invitee, `${path}: its /sync`);
  await settle(async () => !(await invitedTo(invitee, room.roomId)));
  await syncProbe(world, invitee, `${path}: its /sync after the invitation's fate`);
}

// ---- Probes of the bot ----

// What the bot says about rooms, and the answers it gives (refusals included) to commands about the community.
const BOT_COMMANDS = ['!room list', '!tier', '!help', '!help room list', '!who', '!neighborhood status', '!defederate status'];

/** A camp member says each command; returns the commands' event IDs. */
export async function memberSays(member: Member, roomId: string): Promise<string[]> {
  const sent: string[] = [];
  for (const command of BOT_COMMANDS) sent.push(await member.send(roomId, command));
  return sent;
}

/** A reader says each command where it can speak (a refusal to let it speak is no leak). */
export async function readerSays(reader: Reader, room: Room): Promise<void> {
  for (const command of BOT_COMMANDS) await reader.send(`saying ${command} in ${room.label}`, room.roomId, { msgtype: 'm.text', body: command });
}

export async function botRepliedTo(member: Member, roomId: string, eventIds: readonly string[]): Promise<boolean> {
  const bot = botOf(CAMP);
  const replied = new Set((await member.messages(roomId, 200))
    .filter((e) => e.sender === bot)
    .map((e) => (e.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id));
  return eventIds.every((id) => replied.has(id));
}

/** A DM the reader opens with camp's bot, if the bot joins it. */
export async function dmProbe(reader: Reader): Promise<string | null> {
  const created = await reader.client('opening a DM with camp.test\'s bot', 'POST', '/createRoom', { is_direct: true, preset: 'trusted_private_chat', invite: [botOf(CAMP)] });
  const roomId = (created.json as { room_id?: unknown } | null)?.room_id;
  if (typeof roomId !== 'string') return null;
  const joined = await settle(async () => {
    const state = await reader.client('the DM\'s bot membership', 'GET', `/rooms/${enc(roomId)}/state/m.room.member/${enc(botOf(CAMP))}`);
    return (state.json as { membership?: unknown } | null)?.membership === 'join';
  });
  if (!joined) return null;
  await reader.send('saying !room list in a DM with camp.test\'s bot', roomId, { msgtype: 'm.text', body: '!room list' });
  await settle(async () => {
    const chunk = ((await reader.messages('reading its DM with camp.test\'s bot', roomId)).json as { chunk?: { sender: string; type: string }[] } | null)?.chunk ?? [];
    return chunk.some((e) => e.sender === botOf(CAMP) && e.type === 'm.room.message');
  });
  return roomId;
}

