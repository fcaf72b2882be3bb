// What a broadcast looks like in a recipient's DM: who sent it (linked, so
// they can reply to that person directly), then the message, as HTML with a
// plain-text fallback. Each form reads right alone: clients show one or the
// other, and many draw a link to a user as that user's own pill (their name
// or ID), so the HTML names the sender once, by the link, and only the plain
// text spells out the ID.
import { createHash } from 'node:crypto';
import { NAME_MAX, quoted } from '../commands/text.ts';

export interface Rendered {
  text: string;
  html: string;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderBroadcast(sender: string, displayName: string | null, body: string): Rendered {
  // A display name is the sender's to choose, and the recipients read it: one line, no direction controls.
  const name = displayName && displayName !== sender ? quoted(displayName, NAME_MAX) : sender.slice(1, sender.indexOf(':'));
  const link = `https://matrix.to/#/${encodeURIComponent(sender)}`;
  return {
    text: `📯 Bugle from ${name} (${sender}): ${body}`,
    html: `<p>📯 Bugle from <a href="${link}">${escapeHtml(name)}</a>:</p><p>${escapeHtml(body).replace(/\n/g, '<br>')}</p>`,
  };
}

export function introduction(serverName: string): string {
  return `Hello! I am the Bugle of ${serverName}. Every member can send everyone here a message through me (say !bugle <message>). ` +
    'Broadcasts reach you in this room. Say !bugle off to stop receiving them (and !bugle on to start again); leaving this room does the same.';
}

/** A short fingerprint of the text for the audit log, which keeps who and when but not the words twice. */
export function digestOf(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex').slice(0, 16);
}
