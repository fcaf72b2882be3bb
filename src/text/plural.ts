// Counts written as a person writes them: "1 member", "3 members", never
// "member(s)". Irregular plurals are given; the rest add an s.

/** "1 member", "2 members"; `plural` for words that do not just add an s. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
