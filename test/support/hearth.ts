// What end-to-end tests need to know of a testbed server's Hearth: its bot,
// its rooms (read from its own database, as an oracle), and its bot's token
// (to make the kind of change by hand that Hearth must repair).
import { readFileSync, writeFileSync } from 'node:fs';
import knex, { type Knex } from 'knex';
import { parse, parseDocument } from 'yaml';
import { ACL_SETTLE_FIELD } from '../../src/room-state/writer.ts';
import { Member, repliesTo, server, waitFor } from './member.ts';

interface HearthConfigFile {
  appservice: { as_token: string };
  database: { engine: string; postgres_url?: string };
  web?: { enabled?: boolean; public_base_url?: string };
}

function configOf(serverName: string): HearthConfigFile {
  const hearth = server(serverName).hearth;
  if (!hearth) throw new Error(`${serverName} runs no Hearth in this testbed`);
  return parse(readFileSync(hearth.config_path, 'utf8')) as HearthConfigFile;
}

/** Where the server's Hearth serves its web pages, without a trailing slash. */
export function webBaseUrl(serverName: string): string {
  const { web } = configOf(serverName);
  if (!web?.enabled || !web.public_base_url) throw new Error(`${serverName}'s Hearth has no web listener`);
  return web.public_base_url.replace(/\/+$/, '');
}

export function botOf(serverName: string): string {
  const hearth = server(serverName).hearth;
  if (!hearth) throw new Error(`${serverName} runs no Hearth in this testbed`);
  return hearth.bot_user_id;
}

/** Hearth's own bot, driven with its appservice token: changes made this way stand for changes "by hand". */
export function botByHand(serverName: string): Member {
  return new Member(server(serverName), botOf(serverName), configOf(serverName).appservice.as_token);
}

export async function withHearthDb<T>(serverName: string, use: (db: Knex) => Promise<T>): Promise<T> {
  const config = configOf(serverName);
  if (config.database.engine !== 'postgres' || !config.database.postgres_url) throw new Error('the end-to-end suite runs Hearth on PostgreSQL');
  const db = knex({ client: 'pg', connection: config.database.postgres_url, pool: { min: 0, max: 1 } });
  try {
    return await use(db);
  } finally {
    await db.destroy();
  }
}

/**
 * Polls a Hearth's database every `pollMs` until `done`, through one
 * connection: a new one at every look would cost PostgreSQL a process start
 * each time, work the homeserver and Hearth would pay for too. Fails with
 * `what` once `timeoutMs` has passed.
 */
export async function untilInHearthDb(serverName: string, what: string, done: (db: Knex) => Promise<boolean>, o: { pollMs: number; timeoutMs: number }): Promise<void> {
  await withHearthDb(serverName, async (db) => {
    const started = performance.now();
    while (!(await done(db))) {
      if (performance.now() - started > o.timeoutMs) throw new Error(`${what}: still waiting after ${o.timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, o.pollMs));
    }
  });
}

/** When a Hearth recorded this event from its homeserver's push (its clock, milliseconds), or null while it has not. */
export async function recordedAt(db: Knex, eventId: string): Promise<number | null> {
  const row: { received_at: string | number } | undefined = await db('inbox_events').where({ event_id: eventId }).first('received_at');
  return row === undefined ? null : Number(row.received_at);
}

export async function managedRoom(serverName: string, role: string): Promise<string> {
  return withHearthDb(serverName, async (db) => {
    const row = await db<{ creation_key: string; room_id: string | null }>('managed_rooms').where({ creation_key: role }).first('room_id');
    if (!row?.room_id) throw new Error(`${serverName}'s Hearth has no ${role} room`);
    return row.room_id;
  });
}

/** Opens a DM with one of a server's bots and returns the room once the bot has joined. */
export async function openDm(member: Member, bot: string): Promise<string> {
  const dm = await member.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [bot] });
  await waitFor(`${bot} to join the DM`, async () => (await member.membership(dm, bot)) === 'join', 60_000);
  return dm;
}

/** Opens a DM with the bot and returns a function that sends a command and waits for the answer. */
export async function dmWithBot(member: Member, serverName: string): Promise<(command: string) => Promise<string>> {
  const bot = botOf(serverName);
  const dm = await openDm(member, bot);
  return async (command) => {
    const reply = await member.waitForReply(dm, bot, await member.send(dm, command));
    return String(reply.content.body);
  };
}

/** Waits for a member's invitation to a room, then joins it. */
export async function acceptInvite(member: Member, roomId: string): Promise<void> {
  await waitFor(`${member.userId}'s invitation to ${roomId}`, async () => (await member.invitedRooms()).includes(roomId));
  await member.join(roomId);
}

export function roomIdIn(text: string): string {
  const match = /matrix\.to\/#\/([^?\s]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no room link in: ${text}`);
  return decodeURIComponent(match[1]);
}

/**
 * Writes a room's server ACL by hand as Hearth's writer does: twice, the
 * second copy naming the first. Synapse can put the old ACL back into its
 * cache in the moment it stores a new one; a single hand-written ACL could
 * then go unenforced, or keep refusing a server it admits, for minutes.
 */
export async function setServerAclByHand(member: Member, roomId: string, content: Record<string, unknown>): Promise<void> {
  const first = await member.setState(roomId, 'm.room.server_acl', '', content);
  await member.setState(roomId, 'm.room.server_acl', '', { ...content, [ACL_SETTLE_FIELD]: first });
}

/** Sets config keys (a path, a value; undefined takes the key out) in a testbed Hearth's config file, for its next start. */
export function setHearthConfig(serverName: string, settings: readonly [readonly string[], unknown][]): void {
  const hearth = server(serverName).hearth;
  if (!hearth) throw new Error(`${serverName} runs no Hearth in this testbed`);
  const document = parseDocument(readFileSync(hearth.config_path, 'utf8'));
  for (const [path, value] of settings) {
    if (value === undefined) document.deleteIn([...path]);
    else document.setIn([...path], value);
  }
  writeFileSync(hearth.config_path, document.toString());
}

/** Sends a command in the admin room as the server's admin and returns the bot's answer. */
export async function adminCommand(serverName: string, command: string, timeoutMs?: number): Promise<string> {
  const admin = Member.admin(serverName);
  const adminRoom = await managedRoom(serverName, 'admin');
  await admin.join(adminRoom);
  const reply = await admin.waitForReply(adminRoom, botOf(serverName), await admin.send(adminRoom, command), timeoutMs);
  return String(reply.content.body);
}

/**
 * Says !reconcile in the admin room as the server's admin and returns the
 * report that ends the check of every room (the command's first answer only
 * says the check began).
 */
export async function reconcileEverything(serverName: string, timeoutMs = 120_000): Promise<string> {
  const admin = Member.admin(serverName);
  const adminRoom = await managedRoom(serverName, 'admin');
  await admin.join(adminRoom);
  const command = await admin.send(adminRoom, '!reconcile');
  const report = await waitFor('the report of the room check', async () =>
    (await admin.messages(adminRoom)).find((e) => e.sender === botOf(serverName) && repliesTo(e, command) && String(e.content.body).startsWith('Checked ')), timeoutMs);
  return String(report.content.body);
}

/** Runs one SQL query against a testbed Hearth's database (PostgreSQL) and returns its rows. */
export async function hearthSql<T>(serverName: string, sql: string, bindings: readonly (string | number)[] = []): Promise<T[]> {
  return withHearthDb(serverName, async (db) => {
    const result = await db.raw<{ rows: T[] }>(sql, [...bindings]);
    return result.rows;
  });
}
