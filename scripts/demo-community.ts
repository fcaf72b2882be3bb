// Fills a freshly started demo server with a small community: a few members,
// a space with a welcome room they have joined, and a DM with Hearth's bot.
// Safe to run again: existing members log in instead of registering.
import { Member, MatrixRequestError, server } from '../test/support/member.ts';
import { registerUser } from '../testbed/testbed.ts';
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

async function main(): Promise<void> {
  const info = server(SERVER);
  const bot = info.hearth?.bot_user_id;
  if (!bot) throw new Error(`${SERVER} runs no Hearth`);
  const [first, ...others] = await Promise.all(MEMBERS.map((name) => memberNamed(info, name)));
  if (!first) return;
  const invite = others.map((m) => m.userId);
  const space = await first.createRoom({ name: 'Camp', topic: 'Our little camp', creation_content: { type: 'm.space', 'm.federate': false }, preset: 'private_chat', invite });
  const welcome = await first.createRoom({ name: 'Welcome', topic: 'Say hello!', creation_content: { 'm.federate': false }, preset: 'private_chat', invite });
  await first.request('PUT', `/rooms/${encodeURIComponent(space)}/state/m.space.child/${encodeURIComponent(welcome)}`, { via: [SERVER] });
  for (const member of others) {
    await member.join(space);
    await member.join(welcome);
  }
  await first.send(welcome, 'Welcome to camp! DM @hearth:camp.test and say !help to meet the bot.');
  const dm = await first.createRoom({ is_direct: true, preset: 'trusted_private_chat', invite: [bot] });
  await first.send(dm, '!help');
  process.stdout.write(`
Demo community is up.

  Homeserver URL:  ${info.client_url}
  Members:         ${MEMBERS.map((m) => `@${m}:${SERVER}`).join(', ')} (password: ${PASSWORD})
  Admin:           ${info.admin_user_id} (password: ${info.admin_password})
  Hearth's bot:    ${bot}  (alice already has a DM with it; say !help)

Log in from any Matrix client (Element: "Sign in", edit the homeserver, enter
${info.client_url}), with one of the members above.

Stop it with: node testbed/cli.ts down
`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof MatrixRequestError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
