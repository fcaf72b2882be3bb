// Fills a freshly started demo server with a small community the way a new
// one begins: Hearth has made the community space and its rooms, the members
// accept its invitations, and alice has a DM with the bot whose !help is
// answered. The bots' own DMs are encrypted, as shipped. Then it prints how
// to log in, the admin's first steps and how to stop it. Safe to run again:
// existing members log in instead of registering.
import { Member, MatrixRequestError, server, waitFor } from '../test/support/member.ts';
import { setHearthConfig } from '../test/support/hearth.ts';
import { registerUser, startHearth, stopHearth } from '../testbed/testbed.ts';
import type { ServerInfo } from '../testbed/testbed.ts';

const SERVER = 'camp.test';
const PASSWORD = 'hearth-demo';
const MEMBERS = ['alice', 'bob', 'carol'];

async function logIn(info: ServerInfo, localpart: string): Promise<Member> {
  const response = await fetch(`${info.client_url}/_matrix/client/v3/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user: localpart }, password: PASSWORD }),
  });
  const body = (await response.json()) as { user_id: string; access_token: string };
  if (!response.ok) throw new Error(`cannot log ${localpart} in: ${JSON.stringify(body)}`);
  return new Member(info, body.user_id, body.access_token);
}

async function memberNamed(info: ServerInfo, localpart: string): Promise<Member> {
  try {
    const user = await registerUser(info, localpart, PASSWORD);
    return new Member(info, user.user_id, user.access_token);
  } catch (error) {
    if (error instanceof Error && /M_USER_IN_USE|already taken/i.test(error.message)) return logIn(info, localpart);
    throw error;
  }
}

/** The testbed opens the bots' DMs in the clear for its plain test clients; the demo runs Hearth as shipped. */
async function encryptedDmsAsShipped(): Promise<void> {
  setHearthConfig(SERVER, [[['encryption', 'encrypt_direct_messages'], true]]);
  await stopHearth(SERVER);
  await startHearth(SERVER);
}

/** Accepts the invitations Hearth sends every new member: the community space first, then its rooms. */
async function acceptHearthsInvitations(member: Member, spaceId: string): Promise<void> {
  await waitFor(`${member.userId}'s invitation to the community space`, async () => (await member.invitedRooms()).includes(spaceId) || (await member.membership(spaceId, member.userId)) === 'join', 60_000);
  // The space, the local timeline and the two squares.
  await waitFor(`${member.userId}'s invitations to the community's rooms`, async () => (await member.invitedRooms()).length >= 4, 60_000);
  for (const roomId of await member.invitedRooms()) await member.join(roomId);
}

interface InviteSync {
  rooms?: { invite?: Record<string, { invite_state: { events: { type: string; content: Record<string, unknown> }[] } }> };
}

/** The community space: among a member's invitations, the room created as an m.space. */
async function spaceOf(member: Member): Promise<string> {
  return waitFor('Hearth\'s invitation to the community space', async () => {
    const sync = await member.request<InviteSync>('GET', '/sync?timeout=0');
    const invites = Object.entries(sync.rooms?.invite ?? {});
    return invites.find(([, room]) => room.invite_state.events.some((e) => e.type === 'm.room.create' && e.content.type === 'm.space'))?.[0] ?? null;
  }, 60_000);
}

async function answeredDm(alice: Member, bot: string): Promise<void> {
  const dm = await alice.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [bot] });
  // A message sent before the bot is in the room never reaches it: wait for its join first.
  await waitFor('the bot to join alice\'s DM', async () => (await alice.membership(dm, bot)) === 'join', 60_000);
  await alice.waitForReply(dm, bot, await alice.send(dm, '!help'), 60_000);
}

/** One invitation link, made the way an admin makes one: !invite create in the admin room. */
async function invitationLink(info: ServerInfo): Promise<string> {
  const adminRoom = info.hearth?.admin_room_id;
  if (!adminRoom) throw new Error(`${SERVER}'s Hearth has no admin room`);
  const admin = new Member(info, info.admin_user_id, info.admin_access_token);
  await waitFor('the admin\'s invitation to the admin room', async () => (await admin.invitedRooms()).includes(adminRoom) || (await admin.membership(adminRoom, admin.userId)) === 'join', 60_000);
  await admin.join(adminRoom);
  const reply = await admin.waitForReply(adminRoom, info.hearth?.bot_user_id ?? '', await admin.send(adminRoom, '!invite create --note "a friend to try the sign-up page"'), 60_000);
  const link = /https?:\/\/\S+\/invite\/[A-Za-z0-9]+/.exec(String(reply.content.body))?.[0];
  if (!link) throw new Error(`Hearth made no invitation link: ${String(reply.content.body)}`);
  return link;
}

async function main(): Promise<void> {
  const info = server(SERVER);
  const bot = info.hearth?.bot_user_id;
  if (!bot) throw new Error(`${SERVER} runs no Hearth`);
  await encryptedDmsAsShipped();
  const members = await Promise.all(MEMBERS.map((name) => memberNamed(info, name)));
  const [alice] = members;
  if (!alice) return;
  const spaceId = await spaceOf(alice);
  for (const member of members) await acceptHearthsInvitations(member, spaceId);
  await answeredDm(alice, bot);
  const link = await invitationLink(info);
  process.stdout.write(`
The demo community is up: Hearth made the community space "Camp" and its rooms,
and alice, bob and carol have joined them.

  Homeserver URL:  ${info.client_url}
  Members:         ${MEMBERS.map((m) => `@${m}:${SERVER}`).join(', ')} (password: ${PASSWORD})
  Admin:           ${info.admin_user_id} (password: ${info.admin_password})
  Hearth's bot:    ${bot}
  Invitation link: ${link}
                   (open it in a browser to sign up a new member: it works once, for a week)

Log in from any Matrix client with one of the accounts above. Type the
homeserver URL by hand (in Element: "Sign in", then "Edit" beside the
homeserver): ${SERVER} is not a real domain, so a client that first looks
for https://${SERVER}/.well-known/matrix/client finds nothing there and may
show an error about it; that is expected, the URL above is all it needs.

As a member: alice's DM with the bot already holds an answered !help (this
script opened it without encryption, so any client can read its history).
Start a DM with ${bot} from your client (encrypted, as Element makes it):
the bot greets you and answers there too. Try !room create Knitting circle,
!tier in any room, and !bugle to send everyone a broadcast.

As the admin, your first steps:
  1. Log in as ${info.admin_user_id}: you are in "Camp admin room" (the demo made the
     invitation link above there), where the bot says what the room is for.
  2. Say !help there for the admin commands, and !room list for the rooms.
  3. Invite people with !invite create: each link signs up one person, who is
     welcomed and let into the space and its rooms (docs/onboarding.md).

Stop it with: ./scripts/demo stop
`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof MatrixRequestError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
