// Plays the homeserver's side of the appservice API: pushes transactions to a
// running Hearth the way Synapse does.
import { randomBytes } from 'node:crypto';

export interface PushOptions {
  token?: string | null;
  queryToken?: string;
  rawBody?: string;
}

export function messageEvent(body: string, sender = '@alice:camp.test', roomId = '!room:camp.test'): Record<string, unknown> {
  return {
    event_id: `$${randomBytes(8).toString('hex')}`,
    room_id: roomId,
    type: 'm.room.message',
    sender,
    origin_server_ts: Date.now(),
    content: { msgtype: 'm.text', body },
  };
}

export async function pushTransaction(
  baseUrl: string,
  txnId: string,
  events: unknown[],
  options: PushOptions = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(`/_matrix/app/v1/transactions/${encodeURIComponent(txnId)}`, baseUrl);
  if (options.queryToken) url.searchParams.set('access_token', options.queryToken);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url, { method: 'PUT', headers, body: options.rawBody ?? JSON.stringify({ events }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
