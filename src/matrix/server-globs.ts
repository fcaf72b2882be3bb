// Server names as m.room.server_acl matches them. Here, below every domain,
// because tiers, federation and the neighborhood all decide by the same globs.

/**
 * Matrix ACL globs: `*` any run of characters, `?` one character; case-insensitive.
 *
 * Greedy matching that remembers only the last `*`: when a later part fails,
 * that star takes one more character and matching resumes after it. Earlier
 * stars never need to be revisited (whatever they could take, the last one can
 * take too), so the work is at most the glob's length times the name's, for
 * any number of stars. A regular expression built from the glob would
 * backtrack exponentially in the number of stars instead.
 */
export function globMatches(glob: string, serverName: string): boolean {
  const pattern = glob.toLowerCase();
  const name = serverName.toLowerCase();
  let p = 0;
  let n = 0;
  let lastStar = -1;
  let resumeAt = 0;
  while (n < name.length) {
    // '' past the glob's end, which matches nothing.
    const token = pattern.charAt(p);
    if (token === '*') {
      lastStar = p++;
      resumeAt = n;
    } else if (token === '?' || token === name.charAt(n)) {
      p++;
      n++;
    } else if (lastStar >= 0) {
      p = lastStar + 1;
      n = ++resumeAt;
    } else {
      return false;
    }
  }
  while (pattern.charAt(p) === '*') p++;
  return p === pattern.length;
}
