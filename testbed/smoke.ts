// A quick proof that the testbed federates: a user on camp creates a public
// room, a user on hood joins it over federation and writes in it, and camp
// sees the message. Reuses a running testbed with the same servers (or starts
// one) and leaves it running; pass --down to stop it afterwards.
//   node testbed/smoke.ts [--down]
import { randomBytes } from 'node:crypto';
import { pollUntil, requestJson, stringField, isRecord } from './http.ts';
import { down, registerUser, up, type ServerInfo } from './testbed.ts';

const SERVERS = ['camp', 'hood', 'far'];
const MESSAGE_TIMEOUT_MS = 30_000;

async function main(): Promise<void> {
  const started = Date.now();
  const info = await up({ servers: SERVERS });
  step(`testbed ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const camp = serverNamed(info.servers, 'camp.test');
  const hood = serverNamed(info.servers, 'hood.test');

  const suffix = randomBytes(4).toString('hex');
  const alice = await registerUser(camp, `alice_${suffix}`, 'alice-password');
  const bob = await registerUser(hood, `bob_${suffix}`, 'bob-password');
  step(`registered ${alice.user_id} and ${bob.user_id}`);

  const created = await requestJson(`${camp.client_url}/_matrix/client/v3/createRoom`, {
    accessToken: alice.access_token,
    body: { preset: 'public_chat', visibility: 'public', room_version: '12', name: `smoke ${suffix}` },
  });
  const roomId = stringField(created, 'room_id', 'createRoom');
  step(`${alice.user_id} created ${roomId}`);

  await requestJson(`${hood.client_url}/_matrix/client/v3/join/${encodeURIComponent(roomId)}?server_name=camp.test`, {
    accessToken: bob.access_token,
    body: {},
  });
  step(`${bob.user_id} joined over federation`);

  const body = `hello from hood ${suffix}`;
  const txnId = `smoke-${suffix}`;
  await requestJson(`${hood.client_url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txnId}`, {
    method: 'PUT',
    accessToken: bob.access_token,
    body: { msgtype: 'm.text', body },
  });
  step(`${bob.user_id} sent "${body}"`);

  const seenAfterMs = await waitForMessageOn(camp, roomId, alice.access_token, body);
  step(`camp.test received it after ${seenAfterMs} ms`);
}

async function waitForMessageOn(server: ServerInfo, roomId: string, accessToken: string, body: string): Promise<number> {
  const sentAt = Date.now();
  const url = `${server.client_url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=20`;
  const found = await pollUntil(async () => {
    const page = await requestJson(url, { accessToken });
    return messageBodies(page).includes(body) ? true : undefined;
  }, MESSAGE_TIMEOUT_MS);
  if (found !== true) throw new Error(`${server.name} did not see "${body}" within ${MESSAGE_TIMEOUT_MS / 1000} s`);
  return Date.now() - sentAt;
}

function messageBodies(page: unknown): string[] {
  const chunk = isRecord(page) ? page.chunk : undefined;
  if (!Array.isArray(chunk)) return [];
  return chunk.flatMap((event: unknown) => {
    const content = isRecord(event) ? event.content : undefined;
    return isRecord(content) && typeof content.body === 'string' ? [content.body] : [];
  });
}

function serverNamed(servers: readonly ServerInfo[], name: string): ServerInfo {
  const server = servers.find((candidate) => candidate.name === name);
  if (server === undefined) throw new Error(`the testbed has no ${name}`);
  return server;
}

function step(text: string): void {
  process.stdout.write(`smoke: ${text}\n`);
}

try {
  await main();
  step('PASS');
} catch (error) {
  process.stderr.write(`smoke: FAIL: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  if (process.argv.includes('--down')) await down();
}
