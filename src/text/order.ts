// Orders text the same way on every machine, by code point. localeCompare
// would order by the locale instead, and its first call pages in ICU's
// collation data: about 3 MiB of resident memory for the life of the process,
// to sort user IDs and keys that are ASCII anyway.

/** A sort comparator: by UTF-16 code unit, as `<` compares, whatever the locale. */
export function byCodePoint(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
