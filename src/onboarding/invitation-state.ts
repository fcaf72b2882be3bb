// What an invitation is now, and how long one lasts: pure, so the sign-up
// page, !invite list and the tests agree on it.
import { randomBytes } from 'node:crypto';
import type { InvitationRow } from '../store/invitations-store.ts';

export type InvitationState = 'open' | 'used' | 'expired' | 'revoked';

/** An open invitation past its expiry is expired; used and revoked stay what they are. */
export function stateOf(invitation: Pick<InvitationRow, 'status' | 'expiresAt'>, now: number): InvitationState {
  if (invitation.status !== 'open') return invitation.status;
  return now >= invitation.expiresAt ? 'expired' : 'open';
}

const DAY_MS = 86_400_000;
const UNITS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };
/** The longest an invitation may last: a year. */
export const MAX_VALIDITY_MS = 365 * DAY_MS;

/**
 * "7d", "12h", "2w", "90m" as milliseconds; null for anything else, or for a
 * validity of zero or over a year.
 */
export function parseValidity(text: string): number | null {
  const match = /^(\d{1,4})\s*([mhdw])$/i.exec(text.trim());
  if (!match?.[1] || !match[2]) return null;
  const unit = UNITS[match[2].toLowerCase()];
  if (unit === undefined) return null;
  const ms = Number(match[1]) * unit;
  return ms > 0 && ms <= MAX_VALIDITY_MS ? ms : null;
}

/**
 * A fresh invitation code, also used as the Synapse registration token: 20
 * characters from the token alphabet Synapse accepts ([A-Za-z0-9._~-]), of
 * which these use letters and digits only so that a link never needs escaping.
 */
export function newInvitationCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(20);
  // 256 is not a multiple of 57, so the first letters are very slightly likelier; 20 characters leave ~116 bits regardless.
  return [...bytes].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/** Whether text looks like an invitation code at all (before any lookup). */
export function looksLikeCode(text: string): boolean {
  return /^[A-Za-z0-9._~-]{1,64}$/.test(text);
}
