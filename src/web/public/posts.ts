// Which events of a public room are posts for the web pages, and what each
// says. Pure: the reader hands over events as the homeserver returned them.
// A redacted event, an edit (shown through the post it edits), a notice and
// anything by someone who is not a community member or who opted out
// (`!web off`) is never a post.
import { byCodePoint } from '../../text/order.ts';

/** An event as the client-server API returns it from /messages or /event. */
export interface RoomEvent {
  event_id: string;
  type: string;
  sender: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  unsigned?: Record<string, unknown>;
}

export interface PostImage {
  /** The mxc:// URI of the full image; the pages show a thumbnail of it. */
  mxc: string;
  alt: string;
  width: number | null;
  height: number | null;
}

export interface Post {
  roomId: string;
  eventId: string;
  sender: string;
  sentAt: number;
  kind: 'text' | 'emote' | 'image';
  /** The plain-text body, a reply's quoted fallback left out. */
  body: string;
  /** The formatted body as sent (org.matrix.custom.html), not yet sanitised. */
  html: string | null;
  image: PostImage | null;
  edited: boolean;
  /** When the post last changed: its latest edit's time, or when it was sent. */
  updatedAt: number;
}

const KINDS: Readonly<Record<string, Post['kind']>> = { 'm.text': 'text', 'm.emote': 'emote', 'm.image': 'image' };

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null;
}

function isRedacted(event: RoomEvent): boolean {
  return record(event.unsigned)?.redacted_because !== undefined || typeof event.content.msgtype !== 'string';
}

function isEdit(event: RoomEvent): boolean {
  return record(event.content['m.relates_to'])?.rel_type === 'm.replace';
}

/** The content an edit by the sender made current, as the homeserver bundles it; else the event's own. */
function currentContent(event: RoomEvent): { content: Record<string, unknown>; editedAt: number | null } {
  const replacement = record(record(record(event.unsigned)?.['m.relations'])?.['m.replace']);
  const newContent = record(record(replacement?.content)?.['m.new_content']);
  // Only the author's own edit counts: the homeserver bundles any m.replace, and a client checks the sender.
  if (replacement && newContent && replacement.sender === event.sender && replacement.redacted_because === undefined) {
    return { content: newContent, editedAt: typeof replacement.origin_server_ts === 'number' ? replacement.origin_server_ts : event.origin_server_ts };
  }
  return { content: event.content, editedAt: null };
}

/** A reply's plain body starts with the quoted original ("> <@alice…> …") and a blank line. */
function withoutReplyFallback(body: string, isReply: boolean): string {
  if (!isReply || !body.startsWith('> ')) return body;
  const lines = body.split('\n');
  const firstOwn = lines.findIndex((line) => !line.startsWith('> ') && line !== '>');
  return firstOwn === -1 ? '' : lines.slice(firstOwn).join('\n').replace(/^\n/, '');
}

function imageOf(content: Record<string, unknown>, body: string): PostImage | null {
  if (typeof content.url !== 'string' || !content.url.startsWith('mxc://')) return null;
  const info = record(content.info);
  const size = (key: string): number | null => (typeof info?.[key] === 'number' && info[key] > 0 ? info[key] : null);
  return { mxc: content.url, alt: body, width: size('w'), height: size('h') };
}

/** The post an event is, or null when the pages never show it. */
export function postOf(roomId: string, event: RoomEvent, isShownAuthor: (userId: string) => boolean): Post | null {
  if (event.type !== 'm.room.message' || isRedacted(event) || isEdit(event) || !isShownAuthor(event.sender)) return null;
  const { content, editedAt } = currentContent(event);
  const kind = typeof content.msgtype === 'string' ? KINDS[content.msgtype] : undefined;
  if (!kind || typeof content.body !== 'string') return null;
  const isReply = record(record(event.content['m.relates_to'])?.['m.in_reply_to']) !== null;
  const html = content.format === 'org.matrix.custom.html' && typeof content.formatted_body === 'string' ? content.formatted_body : null;
  const image = kind === 'image' ? imageOf(content, content.body) : null;
  if (kind === 'image' && !image) return null;
  const body = withoutReplyFallback(content.body, isReply);
  return {
    roomId, eventId: event.event_id, sender: event.sender, sentAt: event.origin_server_ts, kind, body, html, image,
    edited: editedAt !== null, updatedAt: Math.max(editedAt ?? 0, event.origin_server_ts),
  };
}

/** The posts among a room's events, newest first. */
export function choosePosts(roomId: string, events: readonly RoomEvent[], isShownAuthor: (userId: string) => boolean): Post[] {
  return events
    .map((event) => postOf(roomId, event, isShownAuthor))
    .filter((post): post is Post => post !== null)
    .sort(newestFirst);
}

export function newestFirst(a: Post, b: Post): number {
  return b.sentAt - a.sentAt || byCodePoint(a.eventId, b.eventId);
}

/** The newest `limit` posts of several rooms together. */
export function latestOf<P extends Post>(rooms: readonly (readonly P[])[], limit: number): P[] {
  return rooms.flat().sort(newestFirst).slice(0, limit);
}
