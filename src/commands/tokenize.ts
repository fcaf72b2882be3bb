// Splits a command line into words the way a shell would, so arguments can
// hold spaces: !room create "Book club" --tier local.

export class TokenizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizeError';
  }
}

// Clients such as phones often replace straight quotes with typographic ones.
const OPENING_QUOTES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\u201c': '\u201d', '\u2018': '\u2019' };

export function tokenize(input: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let closing: string | null = null;
  for (let i = 0; i < input.length; i++) {
    const ch = input.charAt(i);
    if (closing !== null) {
      if (ch === closing) closing = null;
      else if (ch === '\\' && closing === '"' && i + 1 < input.length) current += input.charAt(++i);
      else current += ch;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else if (ch in OPENING_QUOTES) {
      closing = OPENING_QUOTES[ch] ?? ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < input.length) {
      current += input.charAt(++i);
      inWord = true;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (closing !== null) throw new TokenizeError(`a quote is not closed (expected ${closing})`);
  if (inWord) words.push(current);
  return words;
}
