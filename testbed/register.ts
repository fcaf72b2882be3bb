// User registration through Synapse's shared-secret admin API. Open
// registration stays disabled on every testbed server, as on a real
// community server; tests create the users they need with the secret instead.
import { createHmac } from 'node:crypto';
import { requestJson, stringField } from './http.ts';
import type { RegisteredUser } from './types.ts';

export type SharedSecretServer = {
  client_url: string;
  registration_shared_secret: string;
};

export async function registerWithSharedSecret(
  server: SharedSecretServer,
  localpart: string,
  password: string,
  admin: boolean,
): Promise<RegisteredUser> {
  const url = `${server.client_url}/_synapse/admin/v1/register`;
  // Each nonce is single-use, so every registration fetches a fresh one.
  const nonce = stringField(await requestJson(url), 'nonce', 'registration nonce');
  const mac = registrationMac(server.registration_shared_secret, nonce, localpart, password, admin);
  const answer = await requestJson(url, { body: { nonce, username: localpart, password, admin, mac } });
  return {
    user_id: stringField(answer, 'user_id', `registering ${localpart}`),
    access_token: stringField(answer, 'access_token', `registering ${localpart}`),
    device_id: stringField(answer, 'device_id', `registering ${localpart}`),
  };
}

/** HMAC-SHA1 over nonce, user, password and admin flag, NUL-separated, as Synapse expects. */
export function registrationMac(secret: string, nonce: string, localpart: string, password: string, admin: boolean): string {
  return createHmac('sha1', secret)
    .update([nonce, localpart, password, admin ? 'admin' : 'notadmin'].join('\0'))
    .digest('hex');
}
