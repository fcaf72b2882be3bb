// The world the tier-promise suite probes: camp's rooms of every tier with
// secrets planted in each, the camp members who planted them, and the
// readers outside each audience, already in every room they may be in.
import { randomBytes } from 'node:crypto';
import { acceptInvite, dmWithBot, hearthSql, managedRoom, roomIdIn } from './hearth.ts';
import { accountReader, anonymousReader, FederationReader, guestReader, LeakLedger, markLogs, SecretBook, tiers, type Reader, type Tier } from './leak-probe.ts';
import { type Member, waitFor } from './member.ts';
import { adminAccount, newAccount, plantEverything, stateOrNull, type Account, type PlantedRoom, type Planters } from './planting.ts';

export const CAMP = 'camp.test';
export const HOOD = 'hood.test';
export const GLEN = 'glen.test';
export const FAR = 'far.test';

// A remote join of a room the whole suite has used carries its whole state: slow on a busy two-core machine.
const JOIN_MS = 180_000;

export interface Room {
  label: string;
  roomId: string;
  tier: Tier;
}

export interface Readers {
  far: Reader;
  glen: Reader;
  hood: Reader;
  guest: Reader;
  anonymousAtCamp: Reader;
  anonymousAtFar: Reader;
  farServer: FederationReader;
}

export interface World {
  book: SecretBook;
  ledger: LeakLedger;
  alice: Account;
  carol: Account;
  admin: Account;
  space: Room;
  adminRoom: Room;
  /** The ban list (a neighborhood room), when Hearth has created it. */
  banList: Room | null;
  /** Every room with secrets planted, by label. */
  planted: PlantedRoom[];
  timeline: PlantedRoom;
  localTopic: PlantedRoom;
  square: PlantedRoom;
  neighborhoodTopic: PlantedRoom;
  publicSquare: PlantedRoom;
  publicTopic: PlantedRoom;
  /** The space's and the admin room's topics before the secrets. */
  spaceTopicBefore: Record<string, unknown>;
  adminRoomTopicBefore: Record<string, unknown>;
  readers: Readers;
}

/** Puts a camp member in a room: by their invitation if they have one, else by joining (restricted rooms admit space members). */
export async function enter(member: Member, roomId: string, via: readonly string[] = []): Promise<void> {
  // Joining again is harmless, and joining is also how an invitation is accepted.
  await waitFor(`${member.userId} to be in ${roomId}`, async () => (await member.join(roomId, via)) === roomId, JOIN_MS);
}

/**
 * Waits up to `ms` for a condition that Hearth should bring about, and says
 * whether it came. Where it does not, the probes after it show the
 * consequence; a positive control that needs it fails on its own.
 */
export async function settle(probe: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/**
 * Puts a neighbor's user in one of camp's neighborhood rooms the way the
 * neighborhood admits them: by the invitation their own Hearth sends, or
 * (where the room's join rule allows it) by joining with the room's ID.
 * Says whether they got in.
 */
export async function enterAsNeighbor(reader: Reader, roomId: string): Promise<boolean> {
  return settle(async () => (await reader.join(`joining ${roomId} as a neighbor`, roomId, [CAMP])).status === 200, JOIN_MS);
}

/** Creates a topic room through the bot, as a member does, and puts its creator in it. Hearth records the name it is given. */
export async function topicRoom(creator: Member, name: string, tier: Tier): Promise<string> {
  const ask = await dmWithBot(creator, CAMP);
  const answer = await ask(`!room create "${name}" --tier ${tier}`);
  const roomId = roomIdIn(answer);
  await acceptInvite(creator, roomId);
  return roomId;
}

export function uniqueName(what: string): string {
  return `${what} ${randomBytes(3).toString('hex')}`;
}

async function plantDefaults(world: Pick<World, 'book'>, alice: Account, admin: Account, planters: (moderator: Account) => Planters): Promise<PlantedRoom[]> {
  const rooms: [string, string, Tier][] = [
    ['the local timeline', await managedRoom(CAMP, 'local_timeline'), 'local'],
    ['the neighborhood square', await managedRoom(CAMP, 'neighborhood_square'), 'neighborhood'],
    ['the public square', await managedRoom(CAMP, 'public_square'), 'public'],
  ];
  const planted: PlantedRoom[] = [];
  for (const [label, roomId, tier] of rooms) {
    await enter(alice.member, roomId);
    await enter(admin.member, roomId);
    planted.push(await plantEverything(world.book, label, roomId, tier, planters(admin)));
  }
  return planted;
}

async function plantTopicRooms(world: Pick<World, 'book'>, alice: Account, planters: (moderator: Account) => Planters): Promise<PlantedRoom[]> {
  const planted: PlantedRoom[] = [];
  for (const [label, tier] of [['a local topic room', 'local'], ['a neighborhood topic room', 'neighborhood'], ['a public topic room', 'public']] as const) {
    const roomId = await topicRoom(alice.member, world.book.mint(tier, 'name given to !room create', label), tier);
    planted.push(await plantEverything(world.book, label, roomId, tier, planters(alice)));
  }
  return planted;
}

/** Creates the world: members, rooms with every kind of secret, and readers in the rooms they may read. */
export async function buildWorld(): Promise<World> {
  const book = new SecretBook();
  const ledger = new LeakLedger(book);
  markLogs([FAR, GLEN, HOOD]);
  const [alice, carol, throwaway] = await Promise.all([newAccount(CAMP, 'alice'), newAccount(CAMP, 'carol'), newAccount(CAMP, 'throwaway')]);
  const admin = adminAccount(CAMP);
  const space: Room = { label: 'the community space', roomId: await managedRoom(CAMP, 'space'), tier: 'local' };
  const adminRoom: Room = { label: 'the admin room', roomId: await managedRoom(CAMP, 'admin'), tier: 'local' };
  for (const member of [alice.member, carol.member, admin.member]) await enter(member, space.roomId);
  await enter(admin.member, adminRoom.roomId);

  const planters = (moderator: Account): Planters => ({ poster: alice, moderator, banned: throwaway.member.userId });
  const [timeline, square, publicSquare] = await plantDefaults({ book }, alice, admin, planters);
  const [localTopic, neighborhoodTopic, publicTopic] = await plantTopicRooms({ book }, alice, planters);
  const spaceTopicBefore = await stateOrNull(admin.member, space.roomId, 'm.room.topic') ?? {};
  await admin.member.setState(space.roomId, 'm.room.topic', '', { topic: book.mint('local', 'space topic', space.label) });
  const adminRoomTopicBefore = await stateOrNull(admin.member, adminRoom.roomId, 'm.room.topic') ?? {};
  await admin.member.setState(adminRoom.roomId, 'm.room.topic', '', { topic: book.mint('local', 'topic', adminRoom.label) });
  const planted = [timeline!, localTopic!, square!, neighborhoodTopic!, publicSquare!, publicTopic!];
  // A room's ID is metadata too; the space's is the one every reader is assumed to hold (a shared link).
  const banListId = (await hearthSql<{ room_id: string | null }>(CAMP, "select room_id from managed_rooms where creation_key = 'policy_list'"))[0]?.room_id ?? null;
  const banList: Room | null = banListId === null ? null : { label: 'the ban list', roomId: banListId, tier: 'neighborhood' };
  for (const room of [...planted, adminRoom, ...(banList ? [banList] : [])]) if (room.tier !== 'public') book.record(room.roomId, room.tier, 'room ID', room.label);

  for (const roomId of [timeline!.roomId, localTopic!.roomId]) await enter(carol.member, roomId);
  const readers = await placeReaders(ledger, planted);
  return {
    book, ledger, alice, carol, admin, space, adminRoom, banList, planted,
    timeline: timeline!, localTopic: localTopic!, square: square!, neighborhoodTopic: neighborhoodTopic!, publicSquare: publicSquare!, publicTopic: publicTopic!,
    spaceTopicBefore, adminRoomTopicBefore, readers,
  };
}

/** Registers the readers and puts each in every room its audience includes. */
async function placeReaders(ledger: LeakLedger, planted: readonly PlantedRoom[]): Promise<Readers> {
  const far = await readerAccount(ledger, FAR, 'far.test user', ['public']);
  const glen = await readerAccount(ledger, GLEN, 'glen.test user', ['public']);
  const hood = await readerAccount(ledger, HOOD, 'hood.test user (a neighbor)', ['neighborhood', 'public']);
  const guest = await guestReader('camp.test guest', ledger, CAMP);
  const publicRooms = planted.filter((r) => r.tier === 'public');
  for (const reader of [far, glen, hood, guest]) {
    for (const room of publicRooms) {
      await waitFor(`${reader.name} to join ${room.label}`, async () => (await reader.join(`joining ${room.label}`, room.roomId, [CAMP])).status === 200, JOIN_MS);
    }
  }
  return {
    far, glen, hood, guest,
    anonymousAtCamp: anonymousReader('a client with no account (at camp.test)', ledger, CAMP),
    anonymousAtFar: anonymousReader('a client with no account (at far.test)', ledger, FAR),
    farServer: new FederationReader('far.test itself (signed federation requests)', ledger, tiers('public'), FAR),
  };
}

/** A reader with a fresh account on a server. */
export async function readerAccount(ledger: LeakLedger, serverName: string, name: string, allowed: Tier[]): Promise<Reader> {
  const { member, token } = await newAccount(serverName, 'reader');
  return accountReader(name, ledger, tiers(...allowed), serverName, { user_id: member.userId, access_token: token }, serverName);
}

