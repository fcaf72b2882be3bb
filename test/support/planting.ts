// Planting secrets in a room in every form a member can post or set one:
// messages and their relatives (replies, threads, edits, reactions), polls,
// stickers, files with captions and bytes, the room's name, topic, avatar and
// aliases, a per-room display name, and a ban reason. Each secret is unique,
// recorded with the room's tier, and so recognisable wherever it turns up.
import { randomBytes } from 'node:crypto';
import { registerUser } from '../../testbed/testbed.ts';
import type { SecretBook, Tier } from './leak-probe.ts';
import { Member, MatrixRequestError, server } from './member.ts';

/** A user and the token to act as them (uploads need it outside the client API). */
export interface Account {
  member: Member;
  token: string;
}

export async function newAccount(serverName: string, prefix: string): Promise<Account> {
  const info = server(serverName);
  const localpart = `${prefix}-${randomBytes(4).toString('hex')}`;
  const user = await registerUser(info, localpart, `pw-${localpart}`);
  return { member: new Member(info, user.user_id, user.access_token), token: user.access_token };
}

export function adminAccount(serverName: string): Account {
  const info = server(serverName);
  return { member: Member.admin(serverName), token: info.admin_access_token };
}

export async function upload(account: Account, bytes: string, contentType: string, filename: string): Promise<string> {
  const response = await fetch(`${account.member.server.client_url}/_matrix/media/v3/upload?filename=${encodeURIComponent(filename)}`, {
    method: 'POST', headers: { authorization: `Bearer ${account.token}`, 'content-type': contentType }, body: bytes,
  });
  const answer = (await response.json()) as { content_uri?: string };
  if (!response.ok || answer.content_uri === undefined) throw new Error(`upload by ${account.member.userId}: ${response.status}`);
  return answer.content_uri;
}

export interface PlantedRoom {
  label: string;
  roomId: string;
  tier: Tier;
  /** The aliases the poster managed to create for the room (a member may try; Hearth may refuse or remove them). */
  aliases: string[];
  /** The name, topic and avatar the room had before, to put back afterwards. */
  before: { name: Record<string, unknown> | null; topic: Record<string, unknown> | null; avatar: Record<string, unknown> | null };
}

export interface Planters {
  /** Posts messages, reacts, sets their own display name, tries an alias. */
  poster: Account;
  /** Sets the name, topic, avatar and canonical alias, and bans (power 50 in the room). */
  moderator: Account;
  /** A local user banned, with a secret reason, and unbanned again. */
  banned: string;
}

/** A room's state event of a type, or null when it has none. */
export async function stateOrNull(member: Member, roomId: string, type: string): Promise<Record<string, unknown> | null> {
  try {
    return await member.state(roomId, type);
  } catch (error) {
    if (error instanceof MatrixRequestError && error.status === 404) return null;
    throw error;
  }
}

async function sendEvent(member: Member, roomId: string, type: string, content: Record<string, unknown>): Promise<string> {
  const path = `/rooms/${encodeURIComponent(roomId)}/send/${type}/${randomBytes(8).toString('hex')}`;
  return (await member.request<{ event_id: string }>('PUT', path, content)).event_id;
}

function text(body: string): Record<string, unknown> {
  return { msgtype: 'm.text', body };
}

function pollContent(question: string, answer: string): Record<string, unknown> {
  return {
    'm.text': [{ body: question }],
    'm.poll': {
      kind: 'm.poll.disclosed',
      max_selections: 1,
      question: { 'm.text': [{ body: question }] },
      answers: [{ 'm.id': 'a', 'm.text': [{ body: answer }] }, { 'm.id': 'b', 'm.text': [{ body: 'no' }] }],
    },
  };
}

function unstablePollContent(question: string): Record<string, unknown> {
  return {
    'org.matrix.msc1767.text': question,
    'org.matrix.msc3381.poll.start': {
      kind: 'org.matrix.msc3381.poll.disclosed',
      max_selections: 1,
      question: { 'org.matrix.msc1767.text': question },
      answers: [{ id: 'a', 'org.matrix.msc1767.text': 'yes' }, { id: 'b', 'org.matrix.msc1767.text': 'no' }],
    },
  };
}

/** Posts every kind of message a client can send, each carrying its own secret. */
async function plantMessages(book: SecretBook, room: PlantedRoom, poster: Account): Promise<void> {
  const secret = (kind: string): string => book.mint(room.tier, kind, room.label);
  const { member } = poster;
  const root = await member.send(room.roomId, secret('message'));
  await sendEvent(member, room.roomId, 'm.room.message', { ...text(secret('reply')), 'm.relates_to': { 'm.in_reply_to': { event_id: root } } });
  await sendEvent(member, room.roomId, 'm.room.message', {
    ...text(secret('thread reply')),
    'm.relates_to': { rel_type: 'm.thread', event_id: root, is_falling_back: true, 'm.in_reply_to': { event_id: root } },
  });
  const edited = secret('edit');
  await sendEvent(member, room.roomId, 'm.room.message', { ...text(`* ${edited}`), 'm.new_content': text(edited), 'm.relates_to': { rel_type: 'm.replace', event_id: root } });
  await sendEvent(member, room.roomId, 'm.reaction', { 'm.relates_to': { rel_type: 'm.annotation', event_id: root, key: secret('reaction') } });
  await sendEvent(member, room.roomId, 'm.poll.start', pollContent(secret('poll'), secret('poll answer')));
  await sendEvent(member, room.roomId, 'org.matrix.msc3381.poll.start', unstablePollContent(secret('poll (unstable type)')));
  const bytes = secret('media bytes');
  const filename = `${secret('file name')}.txt`;
  const file = await upload(poster, `${bytes}\n`, 'text/plain', filename);
  await sendEvent(member, room.roomId, 'm.room.message', { msgtype: 'm.file', body: secret('media caption'), filename, url: file, info: { mimetype: 'text/plain', size: bytes.length + 1 } });
  const stickerBytes = secret('sticker bytes');
  const sticker = await upload(poster, stickerBytes, 'application/octet-stream', 'sticker.png');
  await sendEvent(member, room.roomId, 'm.sticker', { body: secret('sticker'), url: sticker, info: { mimetype: 'image/png', w: 1, h: 1, size: stickerBytes.length } });
  const displayname = secret('display name');
  await member.setState(room.roomId, 'm.room.member', member.userId, { membership: 'join', displayname });
}

/** Sets the room's name, topic and avatar, and bans then unbans someone with a reason. */
async function plantRoomState(book: SecretBook, room: PlantedRoom, planters: Planters): Promise<void> {
  const secret = (kind: string): string => book.mint(room.tier, kind, room.label);
  const { member } = planters.moderator;
  await member.setState(room.roomId, 'm.room.name', '', { name: secret('room name') });
  await member.setState(room.roomId, 'm.room.topic', '', { topic: secret('topic') });
  const avatarBytes = secret('avatar bytes');
  const avatar = await upload(planters.moderator, avatarBytes, 'application/octet-stream', 'avatar.png');
  book.record(avatar.replace(/^mxc:\/\/[^/]+\//, ''), room.tier, 'avatar media ID', room.label);
  await member.setState(room.roomId, 'm.room.avatar', '', { url: avatar });
  const roomPath = `/rooms/${encodeURIComponent(room.roomId)}`;
  await member.request('POST', `${roomPath}/ban`, { user_id: planters.banned, reason: secret('ban reason') });
  await member.request('POST', `${roomPath}/unban`, { user_id: planters.banned, reason: secret('unban reason') });
}

/**
 * Tries to give the room an alias, first as an ordinary member, then as the
 * server's admin, and to make it the canonical alias as the room's
 * moderator. Each may be refused (Synapse's alias_creation_rules, Hearth's
 * power levels); what was created is returned so that readers can try it.
 */
async function plantAlias(book: SecretBook, room: PlantedRoom, planters: Planters): Promise<string[]> {
  const serverName = planters.poster.member.server.name;
  const aliases: string[] = [];
  for (const creator of [planters.poster.member, Member.admin(serverName)]) {
    const alias = `#${book.mint(room.tier, 'alias', room.label)}:${serverName}`;
    if (await accepted(creator.request('PUT', `/directory/room/${encodeURIComponent(alias)}`, { room_id: room.roomId }))) aliases.push(alias);
  }
  const canonical = aliases[0];
  if (canonical !== undefined) await accepted(planters.moderator.member.setState(room.roomId, 'm.room.canonical_alias', '', { alias: canonical, alt_aliases: aliases.slice(1) }));
  return aliases;
}

/** Whether the homeserver accepted a request; a refusal (an HTTP error answer) is an outcome, anything else a failure. */
export async function accepted(attempt: Promise<unknown>): Promise<boolean> {
  try {
    await attempt;
    return true;
  } catch (error) {
    if (error instanceof MatrixRequestError) return false;
    throw error;
  }
}

/** Plants every kind of secret in one room; returns what was planted there, and what it had before. */
export async function plantEverything(book: SecretBook, label: string, roomId: string, tier: Tier, planters: Planters): Promise<PlantedRoom> {
  const reader = planters.moderator.member;
  const room: PlantedRoom = {
    label, roomId, tier, aliases: [],
    before: { name: await stateOrNull(reader, roomId, 'm.room.name'), topic: await stateOrNull(reader, roomId, 'm.room.topic'), avatar: await stateOrNull(reader, roomId, 'm.room.avatar') },
  };
  await plantMessages(book, room, planters.poster);
  await plantRoomState(book, room, planters);
  room.aliases = await plantAlias(book, room, planters);
  return room;
}

/** Puts back the name, topic and avatar a room had before the secrets, and deletes the aliases. */
export async function restoreRoom(room: PlantedRoom, moderator: Account): Promise<void> {
  const { member } = moderator;
  await member.setState(room.roomId, 'm.room.name', '', room.before.name ?? {});
  await member.setState(room.roomId, 'm.room.topic', '', room.before.topic ?? {});
  await member.setState(room.roomId, 'm.room.avatar', '', room.before.avatar ?? {});
  if (room.aliases.length > 0) await accepted(member.setState(room.roomId, 'm.room.canonical_alias', '', {}));
  const admin = Member.admin(member.server.name);
  // Hearth may have deleted an alias already; a refusal here means it is gone.
  for (const alias of room.aliases) await accepted(admin.request('DELETE', `/directory/room/${encodeURIComponent(alias)}`));
}
