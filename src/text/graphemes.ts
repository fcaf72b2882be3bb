// Text cut as a person sees it: an emoji with its skin tone, or a letter with
// its accent, is one character. The segmenter is made at its first use rather
// than when a module loads: making one pages in ICU's break rules, memory a
// Hearth that never counts characters need not spend.

let segmenter: Intl.Segmenter | null = null;

/** The text's characters as a person counts them. */
export function graphemesOf(text: string): string[] {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return Array.from(segmenter.segment(text), (s) => s.segment);
}
