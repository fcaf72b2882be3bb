// A post's formatted body as the pages may show it. Matrix lets a client send
// HTML (`formatted_body`); the spec lists the tags and attributes a client
// should keep, and Element (matrix-react-sdk) enforces that list with
// sanitize-html. Hearth does the same, with the same library and the spec's
// list, so a post reads on the web as it does in a client and nothing else in
// it survives: no script, no style, no event handler, no frame, no form.
import sanitizeHtml from 'sanitize-html';

/** The Matrix spec's allowed tags for m.room.message's formatted_body. */
const ALLOWED_TAGS = [
  'font', 'del', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'p', 'a', 'ul', 'ol', 'sup', 'sub', 'li',
  'b', 'i', 'u', 'strong', 'em', 's', 'code', 'hr', 'br', 'div', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
  'caption', 'pre', 'span', 'img', 'details', 'summary',
];

// Colours (data-mx-color, font color) are left out: the page's CSP allows no
// inline style, and a colour chosen for one theme can be unreadable in another.
const ALLOWED_ATTRIBUTES: sanitizeHtml.IOptions['allowedAttributes'] = {
  a: ['href', 'name', 'rel'],
  img: ['src', 'alt', 'title', 'width', 'height', 'loading'],
  ol: ['start'],
  code: ['class'],
  span: ['data-mx-spoiler'],
};

/** The link schemes a post may use; mxc:// images are rewritten before this check. */
const LINK_SCHEMES = ['http', 'https', 'ftp', 'mailto', 'magnet', 'matrix'];

/** Where the page fetches the thumbnail of an image a post names; null: the image is not shown. */
export type ImageUrl = (mxc: string) => string | null;

/** The sanitised HTML of a formatted body: only what the Matrix spec allows, images through Hearth. */
export function sanitiseFormattedBody(html: string, imageUrl: ImageUrl): string {
  return sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    allowedSchemes: LINK_SCHEMES,
    allowedSchemesByTag: { img: [] },
    allowProtocolRelative: false,
    allowedClasses: { code: [/^language-[\w-]+$/] },
    // A reply quotes the post it answers in <mx-reply>; the pages show each post on its own.
    nonTextTags: ['style', 'script', 'textarea', 'option', 'noscript', 'mx-reply'],
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow noopener noreferrer ugc' } }),
      img: (_tagName, attribs) => {
        const src = attribs.src ?? '';
        const url = src.startsWith('mxc://') ? imageUrl(src) : null;
        // An image from anywhere but the homeserver's media is dropped, as clients do; its alt text stays.
        if (url === null) return { tagName: 'span', attribs: {}, text: attribs.alt ?? '' };
        return { tagName: 'img', attribs: { ...attribs, src: url, loading: 'lazy' } };
      },
    },
    allowedSchemesAppliedToAttributes: ['href', 'cite'],
  });
}

/** The mxc:// images a formatted body shows, in order. */
export function inlineImages(html: string): string[] {
  const found: string[] = [];
  sanitiseFormattedBody(html, (mxc) => {
    if (!found.includes(mxc)) found.push(mxc);
    return '';
  });
  return found;
}

/** A plain-text body as HTML: escaped, its line breaks kept. */
export function plainTextHtml(text: string): string {
  const escaped = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return escaped.split('\n').join('<br>\n');
}
