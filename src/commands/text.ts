// Text that Hearth repeats to other people (room names, reasons, replies to a
// proposal, broadcasts) is checked here, once, so that none of it can pass
// for something else where it is shown: no line breaks where one line is
// expected, no characters that reverse the direction of the text around them
// (U+202E can make "gro.elpmaxe" read as "example.org"), no other control
// characters, and a bounded length. What Hearth cannot refuse (the start of a
// mistyped command, names other people chose) is neutralised by `quoted`.

/** Longest room name, in characters. */
export const NAME_MAX = 100;
/** Longest one-line free text (a reason, a reply), in characters. */
export const LINE_MAX = 500;
/** Longest message of several lines (a broadcast), in characters: far below Matrix's 64 KiB event. */
export const MESSAGE_MAX = 20_000;
/** Longest piece of a member's input that a reply repeats. */
export const QUOTE_MAX = 200;

/** Characters that change the direction of the text around them (embeddings, overrides, isolates, marks). */
const BIDI_CONTROLS = new Set([0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c]);

function isBidiControl(codePoint: number): boolean {
  return BIDI_CONTROLS.has(codePoint);
}

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
function isControl(codePoint: number): boolean {
  return codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f) || codePoint === 0x2028 || codePoint === 0x2029;
}

function hex(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

export interface TextRules {
  /** What the text is, as the refusal names it: "name", "reason". */
  what: string;
  maxLength: number;
  /** Whether line breaks (and tabs) are allowed: only in a message. */
  multiline: boolean;
}

export type TextVerdict = { ok: true; text: string } | { ok: false; problem: string };

/** The text, trimmed, or why it cannot be repeated to others; the problem never repeats the text itself. */
export function checkText(input: string, rules: TextRules): TextVerdict {
  const text = (rules.multiline ? input.replace(/\r\n?/g, '\n') : input).trim();
  // Code points, not what a reader sees as characters: a bound on these is a bound on the bytes sent.
  const characters = Array.from(text);
  if (characters.length > rules.maxLength) {
    return { ok: false, problem: `${rules.what} is ${characters.length} characters long; at most ${rules.maxLength} are allowed` };
  }
  for (const character of characters) {
    const codePoint = character.codePointAt(0) ?? 0;
    if (isBidiControl(codePoint)) {
      return { ok: false, problem: `${rules.what} contains a character that changes the direction of text (${hex(codePoint)}); remove it and try again` };
    }
    const breaksLine = codePoint === 0x0a || codePoint === 0x2028 || codePoint === 0x2029;
    if (breaksLine && !rules.multiline) return { ok: false, problem: `${rules.what} must be one line` };
    if (isControl(codePoint) && !(rules.multiline && (codePoint === 0x0a || codePoint === 0x09))) {
      return { ok: false, problem: `${rules.what} contains a control character (${hex(codePoint)}); remove it and try again` };
    }
  }
  return { ok: true, text };
}

/**
 * Text Hearth repeats without having been able to refuse it, made harmless:
 * one line (breaks and controls become spaces), direction controls dropped,
 * at most `max` characters, with an ellipsis where it was cut.
 */
export function quoted(text: string, max = QUOTE_MAX): string {
  const kept: string[] = [];
  for (const character of text) {
    const codePoint = character.codePointAt(0) ?? 0;
    if (isBidiControl(codePoint)) continue;
    kept.push(isControl(codePoint) ? ' ' : character);
    // One more than fits is enough to know the text must be cut.
    if (kept.length > max) break;
  }
  return kept.length > max ? `${kept.slice(0, max - 1).join('')}…` : kept.join('');
}
