// Markdown rendered to HTML by markdown-it, with raw HTML turned off, so a text
// cannot put markup or scripts into a page or a message. markdown-it is loaded
// at the first text rendered, not when Hearth starts: an idle Hearth renders
// nothing, and markdown-it loaded costs about half a MiB of its heap
// (docs/benchmarks.md). Node's require loads it from node_modules, as
// `import()` would, but without making every caller wait.
import { createRequire } from 'node:module';
import type { MarkdownIt } from 'markdown-it';
import type MarkdownItConstructor from 'markdown-it';

let renderer: MarkdownIt | null = null;

function markdownIt(): MarkdownIt {
  const load = createRequire(import.meta.url);
  const Renderer = load('markdown-it') as typeof MarkdownItConstructor;
  return new Renderer({ html: false, linkify: true, typographer: false });
}

export function renderMarkdown(text: string): string {
  renderer ??= markdownIt();
  return renderer.render(text);
}
