// The members' and admins' commands about rooms and tiers.
import { CommandError, defineCommand, type Command, type CommandContext, type Reply } from '../commands/command.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import { serverNameOf } from '../matrix/event.ts';
import type { ManagedRoomRow, ManagedRoomsStore } from '../store/managed-rooms-store.ts';
import type { CommunityFacts } from './facts.ts';
import { mayBeInvited } from './policy.ts';
import type { Reconciler } from './reconciler.ts';
import type { RoomCheckRequest } from '../jobs/kinds/room-check.ts';
import type { RoomAclJobs } from './index.ts';
import type { EnsureRoom } from './room-creation.ts';
import { narrower, wider } from './audience.ts';
import { audienceOf, federates, isTier, mayBeEncrypted, TIERS, type Tier } from './tier.ts';
import { describeRoom } from './describe.ts';
import { count } from '../text/plural.ts';
import { NAME_MAX, quoted } from '../commands/text.ts';
import { checkRoomQuota, TOPIC_KEY_PREFIX, type RoomQuota } from './room-quota.ts';

export interface TierCommandsOptions {
  client: HomeserverClient;
  rooms: ManagedRoomsStore;
  facts: () => Promise<CommunityFacts>;
  ensureRoom: EnsureRoom;
  reconciler: Reconciler;
  /** Queues `!reconcile`'s check of every room on the job runner; says how many rooms it holds. */
  checkAllRooms: (request: RoomCheckRequest) => Promise<number>;
  serverName: string;
  /** Whether a new room of a tier is encrypted when the command does not say. */
  encryptedByDefault: (tier: Tier) => boolean;
  /** The persisted ACL jobs a narrowing goes through; bound once the federation domain exists. */
  aclJobs: () => RoomAclJobs | null;
  /** How many rooms a member (not an admin) may create with !room create in a day. */
  roomQuota: RoomQuota;
  /** The one member predicate: of this server, no bot, no guest, not removed. */
  isMember: (userId: string) => boolean;
  now?: () => number;
}

/** Refuses a member who has created as many rooms as a day allows; the same command processed again is no new room. */
async function refuseOverQuota(o: TierCommandsOptions, context: CommandContext, creationKey: string): Promise<void> {
  if (context.isAdmin) return;
  const created = (await o.roomQuota.createdBy(context.sender)).filter((room) => room.creationKey !== creationKey);
  const verdict = checkRoomQuota((o.now ?? Date.now)(), created.map((room) => room.createdAt), o.roomQuota.perDay);
  if (!verdict.ok) throw new CommandError(verdict.reason, 'public');
}

const ENCRYPTION_NOTE = 'Its messages are end-to-end encrypted: members who join later cannot read what was said before they joined.';

function link(roomId: string, serverName: string): string {
  return `https://matrix.to/#/${encodeURIComponent(roomId)}?via=${encodeURIComponent(serverName)}`;
}

async function managedRoomHere(rooms: ManagedRoomsStore, roomId: string): Promise<ManagedRoomRow> {
  const row = await rooms.byRoomId(roomId);
  if (!row) throw new CommandError('This room is not one of the community\'s rooms, so Hearth makes no promise about who can read it. Say !room list to see the community\'s rooms.', 'public');
  return row;
}

function roomCreate(o: TierCommandsOptions): Command {
  return defineCommand({
    name: 'room create',
    summary: 'Create a topic room at a tier (local by default) and become its moderator.',
    params: [{ name: 'name', kind: 'name', description: 'the room\'s name, one line of at most 100 characters, e.g. Book club (quotes are optional)' }],
    flags: [
      { name: 'tier', description: 'who can read it: local (this server only), neighborhood, or public', choices: TIERS },
      { name: 'encrypted', description: 'end-to-end encrypt it (local and neighborhood rooms only; it can never be turned off)' },
    ],
    permission: 'member',
    async run(context, args) {
      const tierFlag = args.flag('tier');
      const tier: Tier = typeof tierFlag === 'string' && isTier(tierFlag) ? tierFlag : 'local';
      const name = args.string('name').trim();
      if (name === '') throw new CommandError('A room needs a name, e.g. !room create "Book club" --tier local', 'public');
      const asked = args.flag('encrypted') === true;
      if (asked && !mayBeEncrypted('topic', tier)) throw new CommandError('A public room cannot be encrypted: anyone may read it anyway. Leave out --encrypted, or choose --tier local or neighborhood.', 'public');
      const encrypted = asked || o.encryptedByDefault(tier);
      // The command's own event ID makes the creation idempotent if the command is processed twice.
      const creationKey = `${TOPIC_KEY_PREFIX}${context.eventId}`;
      await refuseOverQuota(o, context, creationKey);
      const roomId = await o.ensureRoom({
        creationKey,
        room: { role: 'topic', tier, name, encrypted },
        requester: context.sender,
      });
      const privacy = encrypted ? ` ${ENCRYPTION_NOTE}` : '';
      return { text: `Created "${name}". ${audienceOf(tier, o.serverName)}${privacy} You are its moderator. ${link(roomId, o.serverName)}`, reveals: tier };
    },
  });
}

function roomList(o: TierCommandsOptions): Command {
  return defineCommand({
    name: 'room list',
    summary: 'List the community\'s rooms by tier.',
    params: [],
    permission: 'member',
    async run(context) {
      const rooms = (await o.rooms.all()).filter((r) => r.role !== 'space' && (r.role !== 'admin' || context.isAdmin));
      const sections = TIERS.map((tier) => {
        const here = rooms.filter((r) => r.tier === tier);
        const lines = here.length === 0 ? ['  (none yet)'] : here.map((r) => `  ${quoted(r.name, NAME_MAX)} — ${link(r.roomId ?? '', o.serverName)}`);
        return [`${tier}: ${audienceOf(tier, o.serverName)}`, ...lines].join('\n');
      });
      // As private as the most private room it names; the mechanism answers in a DM where that is needed.
      return { text: sections.join('\n\n'), reveals: rooms.reduce<Tier>((most, r) => narrower(most, r.tier), 'public') };
    },
  });
}

function tierExplain(o: TierCommandsOptions): Command {
  return defineCommand({
    name: 'tier',
    summary: 'Say who can read the room you are in.',
    params: [],
    permission: 'member',
    async run(context) {
      const row = await managedRoomHere(o.rooms, context.roomId);
      return { text: describeRoom(row, o.serverName), reveals: row.tier };
    },
  });
}

function tierSet(o: TierCommandsOptions): Command {
  return defineCommand({
    name: 'tier set',
    summary: 'Change who can read the room you are in. Widening moves the room on to a new one and leaves what was said where it was.',
    params: [{ name: 'tier', kind: 'word', description: 'local, neighborhood or public' }],
    permission: 'admin',
    async run(context, args) {
      const wanted = args.string('tier');
      if (!isTier(wanted)) throw new CommandError(`tier must be one of ${TIERS.join(', ')}. Usage: !tier set <tier>`);
      const row = await managedRoomHere(o.rooms, context.roomId);
      if (row.role !== 'topic') throw new CommandError(`"${row.name}" is one of the community's default rooms; its tier is part of what it is.`, row.tier);
      if (wanted === row.tier) return { text: `"${row.name}" is already ${wanted}.`, reveals: row.tier };
      if (wider(row.tier, wanted) === wanted) return widen(o, context, row, wanted);
      if (!federates(wanted)) {
        throw new CommandError(
          `Matrix fixes whether a room ever leaves ${o.serverName} when the room is created (m.federate), so "${row.name}" cannot become ${wanted}. ` +
          `Create a new room instead: !room create "${row.name}" --tier ${wanted}`,
          row.tier,
        );
      }
      return narrow(o, context.roomId, row, wanted, context.sender);
    },
  });
}

/**
 * Narrowing keeps the room. Its tier is recorded first, so a restart finds it
 * and the start-up reconciliation finishes the job; then one persisted ACL job
 * for the room applies the new ACL and history visibility and removes every
 * user the narrower tier does not allow: the homeserver would otherwise keep
 * sending them every new post.
 */
async function narrow(o: TierCommandsOptions, roomId: string, row: ManagedRoomRow, wanted: Tier, by: string): Promise<Reply> {
  const jobs = o.aclJobs();
  if (!jobs) throw new Error('the ACL jobs are not ready yet');
  await o.reconciler.retier(roomId, wanted, by);
  await jobs.enqueueRooms(`"${row.name}" narrowed to ${wanted} by ${by}`, [roomId]);
  return {
    text: `"${row.name}" is now ${wanted}. ${audienceOf(wanted, o.serverName)} Everyone it no longer includes is being removed, so they receive nothing posted from now on; ` +
      'what they could read before, they may have kept.',
    reveals: row.tier,
  };
}

/**
 * A wider tier never reaches back: what was posted for a narrower audience
 * stays there. The room moves on to a new room at the wider tier; the old one
 * keeps its tier and points to the new one with a tombstone, as Matrix room
 * upgrades do, so clients offer the way over.
 */
async function widen(o: TierCommandsOptions, context: CommandContext, row: ManagedRoomRow, wanted: Tier): Promise<Reply> {
  const encrypted = row.encrypted && mayBeEncrypted('topic', wanted);
  const successor = await o.ensureRoom({
    // The command's own event ID makes the move idempotent if the command is processed twice.
    creationKey: `successor:${context.eventId}`,
    room: { role: 'topic', tier: wanted, name: row.name, encrypted },
    requester: context.sender,
  });
  const notice = `This room continues as a ${wanted} room: ${link(successor, o.serverName)}. ${audienceOf(wanted, o.serverName)} ` +
    `What was said here stays ${row.tier}: only those who could read this room can read it, here.`;
  await o.reconciler.retire(context.roomId, successor, notice);
  return {
    text: `"${row.name}" continues in a new ${wanted} room: ${link(successor, o.serverName)}. What was said here stays ${row.tier}.`,
    reveals: row.tier,
  };
}

function roomEncrypt(o: TierCommandsOptions): Command {
  return defineCommand({
    name: 'room encrypt',
    summary: 'Turn on end-to-end encryption in the room you are in, for good.',
    params: [],
    permission: 'admin',
    async run(context) {
      const row = await managedRoomHere(o.rooms, context.roomId);
      if (row.encrypted) return { text: `"${row.name}" is already encrypted.`, reveals: row.tier };
      if (!mayBeEncrypted(row.role, row.tier)) throw new CommandError(`"${row.name}" cannot be encrypted: ${row.tier === 'public' ? 'anyone may read a public room anyway' : 'its readers include servers and bots that cannot decrypt'}.`, row.tier);
      await o.rooms.markEncrypted(context.roomId);
      await o.reconciler.reconcileRoom(context.roomId, { kind: 'request', by: context.sender });
      return { text: `"${row.name}" is now encrypted. ${ENCRYPTION_NOTE} This cannot be undone.`, reveals: row.tier };
    },
  });
}

function roomInvite(o: TierCommandsOptions): Command {
  return defineCommand({
    name: 'room invite',
    summary: 'Invite someone to the room you are in, if its tier lets them read it.',
    params: [{ name: 'user', kind: 'user', description: 'who to invite: a name on this server (bob) or a Matrix ID (@bob:camp.example.org)' }],
    permission: 'member',
    async run(context, args) {
      const row = await managedRoomHere(o.rooms, context.roomId);
      const user = args.string('user');
      const server = serverNameOf(user);
      if (!mayBeInvited(row.tier, server, await o.facts())) {
        throw new CommandError(`${user} cannot be invited: "${row.name}" is ${row.tier}. ${audienceOf(row.tier, o.serverName)} ${server} is not among them.`, row.tier);
      }
      if (row.tier !== 'public' && server === o.serverName && !o.isMember(user)) {
        throw new CommandError(`${user} cannot be invited: "${row.name}" is ${row.tier}, and ${user} is not a member of the community (a guest account, or someone removed).`, row.tier);
      }
      await o.client.invite(context.roomId, user, `Invited through Hearth by ${context.sender}`);
      return { text: `Invited ${user}.`, reveals: row.tier };
    },
  });
}

function reconcileNow(o: TierCommandsOptions): Command {
  return defineCommand({
    name: 'reconcile',
    summary: 'Check every community room against its tier now and repair any drift.',
    params: [],
    permission: 'admin',
    async run(context) {
      const rooms = await o.checkAllRooms({ by: context.sender, roomId: context.roomId, eventId: context.eventId });
      return { text: `Checking ${count(rooms, 'room')} against their tiers, one at a time; the admin room hears of each repair, and of the end.` };
    },
  });
}

export function tierCommands(options: TierCommandsOptions): Command[] {
  return [roomCreate(options), roomList(options), roomInvite(options), roomEncrypt(options), tierExplain(options), tierSet(options), reconcileNow(options)];
}
