// A Synapse signing key written directly, instead of starting Python once more
// per server with --generate-keys: on two cores that extra start costs
// seconds for every server.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

/** One line in Synapse's key file format: `ed25519 <key id> <unpadded base64 seed>`. */
export function newSigningKeyLine(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.d === undefined) throw new Error('ed25519 key export lacks its private part');
  const seed = Buffer.from(jwk.d, 'base64url').toString('base64').replace(/=+$/, '');
  const keyId = `a_${randomBytes(3).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x')}`;
  return `ed25519 ${keyId} ${seed}\n`;
}
