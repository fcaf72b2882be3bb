// A shown post as the pages and the feed present it: its permalink, its
// author, its time, and its body as safe HTML (the formatted body sanitised,
// or the plain body escaped). Pure.
import { inlineImages, plainTextHtml, sanitiseFormattedBody } from './sanitise.ts';
import type { ShownPost } from './public-posts.ts';

export interface PostView {
  /** The permalink's path: /posts/<room ID>/<event ID>. */
  path: string;
  author: string;
  sender: string;
  roomName: string;
  isoTime: string;
  humanTime: string;
  /** Safe to put into a page as it is. */
  html: string;
  /** The text a title or a summary can quote. */
  text: string;
  image: { url: string; alt: string; width: number | null; height: number | null } | null;
  edited: boolean;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

/**
 * "5 January 2026 at 03:07 UTC", as en-GB's long date and short time write it.
 * Written out here: Intl.DateTimeFormat would page in about 5 MiB of ICU's
 * locale data, held for the life of the process, for this one line.
 */
export function humanUtcTime(time: number): string {
  const date = new Date(time);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()] ?? ''} ${date.getUTCFullYear()} at ${date.toISOString().slice(11, 16)} UTC`;
}

export function permalinkPath(roomId: string, eventId: string): string {
  return `/posts/${encodeURIComponent(roomId)}/${encodeURIComponent(eventId)}`;
}

/** Every image a post shows, in the order the image URLs number them: the picture of an m.image first. */
export function imagesOf(post: ShownPost): string[] {
  const images = [...(post.image ? [post.image.mxc] : []), ...(post.html === null ? [] : inlineImages(post.html))];
  return [...new Set(images)];
}

/** `base` is '' for a page, the public address for the feed (a feed reader needs absolute links). */
export function viewOf(post: ShownPost, base = ''): PostView {
  const path = permalinkPath(post.roomId, post.eventId);
  const images = imagesOf(post);
  const imageUrl = (mxc: string): string | null => {
    const index = images.indexOf(mxc);
    return index === -1 ? null : `${base}${path}/image/${index}`;
  };
  const body = post.html === null ? plainTextHtml(post.body) : sanitiseFormattedBody(post.html, imageUrl);
  const html = post.kind === 'emote' ? `<em>* ${plainTextHtml(post.author)}</em> ${body}` : post.kind === 'image' ? '' : body;
  const image = post.image ? { url: imageUrl(post.image.mxc) ?? '', alt: post.image.alt, width: post.image.width, height: post.image.height } : null;
  return {
    path,
    author: post.author,
    sender: post.sender,
    roomName: post.roomName,
    isoTime: new Date(post.sentAt).toISOString(),
    humanTime: humanUtcTime(post.sentAt),
    html,
    text: post.kind === 'image' ? `Picture: ${post.image?.alt ?? ''}` : post.body,
    image,
    edited: post.edited,
  };
}
