// Agreement to the code of conduct, by version. A version is the digest of the
// text, so any change to the file is a new version that every member is sent.
// Being let into the community needs an agreement to some version; a member
// who has not agreed to the current one after the grace days is listed for the
// admins, never removed by Hearth.
import { createHash } from 'node:crypto';

export function versionOf(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n/g, '\n').trim()).digest('hex').slice(0, 16);
}

export type Standing =
  /** There is no code of conduct. */
  | 'not required'
  | 'agreed'
  /** Agreed to an earlier text, not to this one. */
  | 'agreed earlier'
  | 'never agreed';

export function standingOf(currentVersion: string | null, agreed: readonly string[]): Standing {
  if (currentVersion === null) return 'not required';
  if (agreed.includes(currentVersion)) return 'agreed';
  return agreed.length > 0 ? 'agreed earlier' : 'never agreed';
}

/** Whether a member may be invited into the space and the rooms: once they agreed to any version. */
export function mayBeLetIn(standing: Standing): boolean {
  return standing !== 'never agreed';
}

/** Whether an agreement to the current text is overdue: asked for more than `graceDays` ago. */
export function isOverdue(standing: Standing, versionSince: number, graceDays: number, now: number): boolean {
  if (standing === 'agreed' || standing === 'not required') return false;
  return now - versionSince > graceDays * 86_400_000;
}
