// Requests to a testbed server's federation API signed as another testbed
// server, exactly as the server-server spec says a server signs its own
// (the X-Matrix Authorization header over the request's canonical JSON).
// The signing key is the server's real one, read from its Synapse folder, so
// the receiving server verifies the signature against the key it fetches
// from the claimed origin: what it answers is what it would answer that server.
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { server } from './member.ts';

export interface FederationAnswer {
  status: number;
  body: string;
}

interface SigningKey {
  id: string;
  key: KeyObject;
}

// An ed25519 private key in PKCS#8 DER is this fixed prefix followed by the 32-byte seed.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function signingKeyOf(serverName: string): SigningKey {
  const line = readFileSync(join(server(serverName).synapse_dir, 'signing.key'), 'utf8').trim();
  const [algorithm, version, seed] = line.split(/\s+/);
  if (algorithm !== 'ed25519' || version === undefined || seed === undefined) throw new Error(`unexpected signing key format for ${serverName}`);
  const der = Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(seed, 'base64')]);
  return { id: `ed25519:${version}`, key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
}

/** Matrix canonical JSON: keys sorted, no insignificant whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function authorization(origin: string, destination: string, method: string, uri: string, content: unknown): string {
  const { id, key } = signingKeyOf(origin);
  const signed: Record<string, unknown> = { method, uri, origin, destination };
  if (content !== undefined) signed.content = content;
  const sig = sign(null, Buffer.from(canonicalJson(signed)), key).toString('base64').replace(/=+$/, '');
  return `X-Matrix origin="${origin}",destination="${destination}",key="${id}",sig="${sig}"`;
}

/**
 * Sends `method uri` to `destination`'s federation listener, signed as
 * `origin`. `uri` is the path with its query, as the signature covers it.
 */
export async function federationRequest(origin: string, destination: string, method: string, uri: string, content?: unknown): Promise<FederationAnswer> {
  const target = server(destination);
  const [host, port] = target.federation_address.split(':');
  const body = content === undefined ? undefined : JSON.stringify(content);
  const headers: Record<string, string> = { authorization: authorization(origin, destination, method, uri, content), host: destination };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request({
      host, port: Number(port), method, path: uri, headers,
      // The testbed's certificates are self-signed, as its Synapse settings say; nothing can check them.
      servername: destination, rejectUnauthorized: false, timeout: 30_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }); });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${uri} to ${destination} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
