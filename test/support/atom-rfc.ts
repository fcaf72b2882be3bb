// The elements RFC 4287 (The Atom Syndication Format) requires of a feed and
// of each entry, checked on what a feed parser read from the XML: the feed's
// id, title and updated, an author (the feed's or every entry's); each entry's
// id, title and updated, and a link rel="alternate" when it has no content.
// Ids are absolute IRIs and times RFC 3339 date-times (section 3.3).
import { parseAtomFeed } from 'feedsmith';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function absolute(iri: string | undefined): boolean {
  if (!iri) return false;
  try {
    return new URL(iri).protocol !== '';
  } catch {
    return false;
  }
}

/** What the feed lacks that the RFC requires; empty when it has it all. */
export function atomProblems(xml: string): string[] {
  const feed = parseAtomFeed(xml);
  const problems: string[] = [];
  if (!absolute(feed.id)) problems.push(`feed id is not an absolute IRI: ${String(feed.id)}`);
  if (!feed.title?.value) problems.push('feed has no title');
  if (!RFC3339.test(feed.updated ?? '')) problems.push(`feed updated is not an RFC 3339 date: ${String(feed.updated)}`);
  const entries = feed.entries ?? [];
  const feedHasAuthor = (feed.authors ?? []).some((author) => author.name);
  entries.forEach((entry, i) => {
    if (!absolute(entry.id)) problems.push(`entry ${i} id is not an absolute IRI: ${String(entry.id)}`);
    if (!entry.title?.value) problems.push(`entry ${i} has no title`);
    if (!RFC3339.test(entry.updated ?? '')) problems.push(`entry ${i} updated is not an RFC 3339 date: ${String(entry.updated)}`);
    if (!feedHasAuthor && !(entry.authors ?? []).some((author) => author.name)) problems.push(`entry ${i} has no author, nor has the feed`);
    const alternate = (entry.links ?? []).some((link) => (link.rel ?? 'alternate') === 'alternate' && absolute(link.href));
    if (!entry.content && !alternate) problems.push(`entry ${i} has neither content nor an alternate link`);
  });
  if (new Set(entries.map((entry) => entry.id)).size !== entries.length) problems.push('two entries share an id');
  return problems;
}
