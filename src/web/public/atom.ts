// The Atom feed (RFC 4287) of the public posts. Pure: it writes what it is
// given. Every element the RFC requires is always there: the feed's id, title,
// updated and author; each entry's id, title, updated, author (by inheritance
// otherwise, but each post has its own), a link and its content.
import { graphemesOf } from '../../text/graphemes.ts';

export interface FeedEntry {
  /** The post's permalink: its id and its alternate link. */
  url: string;
  title: string;
  author: string;
  publishedAt: number;
  updatedAt: number;
  /** Sanitised HTML; it goes into the XML escaped, as type="html" says. */
  html: string;
}

export interface Feed {
  title: string;
  subtitle: string;
  /** The front page's address: the feed's id and its alternate link. */
  homeUrl: string;
  /** The feed's own address (rel="self"). */
  selfUrl: string;
  entries: readonly FeedEntry[];
  /** When the feed has no entry, its updated time: the feed was last looked at then. */
  now: number;
}

// XML 1.0 forbids most control characters outright; a post may contain them.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function xmlEscape(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

function date(ms: number): string {
  return new Date(ms).toISOString();
}

function entryXml(entry: FeedEntry): string {
  return [
    '  <entry>',
    `    <id>${xmlEscape(entry.url)}</id>`,
    `    <title type="text">${xmlEscape(entry.title)}</title>`,
    `    <published>${date(entry.publishedAt)}</published>`,
    `    <updated>${date(entry.updatedAt)}</updated>`,
    `    <author><name>${xmlEscape(entry.author)}</name></author>`,
    `    <link rel="alternate" type="text/html" href="${xmlEscape(entry.url)}"/>`,
    `    <content type="html">${xmlEscape(entry.html)}</content>`,
    '  </entry>',
  ].join('\n');
}

export function atomFeed(feed: Feed): string {
  const updated = feed.entries.reduce((latest, entry) => Math.max(latest, entry.updatedAt), 0) || feed.now;
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${xmlEscape(feed.homeUrl)}</id>`,
    `  <title type="text">${xmlEscape(feed.title)}</title>`,
    `  <subtitle type="text">${xmlEscape(feed.subtitle)}</subtitle>`,
    `  <updated>${date(updated)}</updated>`,
    `  <author><name>${xmlEscape(feed.title)}</name></author>`,
    `  <link rel="alternate" type="text/html" href="${xmlEscape(feed.homeUrl)}"/>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlEscape(feed.selfUrl)}"/>`,
    '  <generator>Hearth</generator>',
    ...feed.entries.map(entryXml),
    '</feed>',
    '',
  ].join('\n');
}

/** An entry's title: the post's first line, cut at a word near `max` characters (graphemes, so no emoji is split). */
export function titleOf(text: string, max = 80): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  const characters = graphemesOf(line);
  if (characters.length <= max) return line;
  const cut = characters.slice(0, max).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space > cut.length / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
