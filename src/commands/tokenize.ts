// Splits a command line into words the way a shell would, so arguments can
// hold spaces: !room create "Book club" --tier local. A quote groups words
// only where a word starts; inside a word it is an ordinary character, so the
// apostrophe of Alice's room is just an apostrophe. A command's trailing free
// text (a broadcast, a reason) is taken as typed.

export class TokenizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizeError';
  }
}

// Clients such as phones often replace straight quotes with typographic ones.
const OPENING_QUOTES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\u201c': '\u201d', '\u2018': '\u2019' };

/** Reads one word starting at `from` (after any white space); null at the end of the input. */
export function readWord(input: string, from: number): { word: string; end: number } | null {
  let i = from;
  while (i < input.length && /\s/.test(input.charAt(i))) i++;
  if (i >= input.length) return null;
  const start = i;
  let word = '';
  let closing: string | null = null;
  for (; i < input.length; i++) {
    const ch = input.charAt(i);
    if (closing !== null) {
      if (ch === closing) closing = null;
      else if (ch === '\\' && closing === '"' && i + 1 < input.length) word += input.charAt(++i);
      else word += ch;
    } else if (/\s/.test(ch)) {
      break;
    } else if (ch in OPENING_QUOTES && i === start) {
      closing = OPENING_QUOTES[ch] ?? ch;
    } else if (ch === '\\' && i + 1 < input.length) {
      word += input.charAt(++i);
    } else {
      word += ch;
    }
  }
  if (closing !== null) throw new TokenizeError(`a quote is not closed (expected ${closing})`);
  return { word, end: i };
}

export function tokenize(input: string): string[] {
  const words: string[] = [];
  for (let next = readWord(input, 0); next !== null; next = readWord(input, next.end)) words.push(next.word);
  return words;
}

/** The first `count` words, and the rest of the input exactly as typed (trimmed). */
export function leadingWords(input: string, count: number): { words: string[]; rest: string } {
  const words: string[] = [];
  let position = 0;
  while (words.length < count) {
    const next = readWord(input, position);
    if (next === null) break;
    words.push(next.word);
    position = next.end;
  }
  return { words, rest: input.slice(position).trim() };
}
