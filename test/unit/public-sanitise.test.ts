// A post's formatted body on the web keeps what the Matrix spec allows in
// formatted_body and nothing else: no script, style, handler, frame or form;
// links keep safe schemes only; images only from the homeserver's media, and
// then through Hearth's own address.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inlineImages, plainTextHtml, sanitiseFormattedBody } from '../../src/web/public/sanitise.ts';

const noImages = (): null => null;
const clean = (html: string): string => sanitiseFormattedBody(html, noImages);

describe('sanitising a formatted body', () => {
  it('keeps the formatting Matrix clients send', () => {
    const html = '<p><strong>bold</strong> <em>it</em> <del>gone</del> <code class="language-ts">x</code></p><blockquote>q</blockquote><ol start="3"><li>three</li></ol><pre><code>block</code></pre><details><summary>more</summary>hidden</details><table><tr><td>cell</td></tr></table>';
    assert.equal(clean(html), html.replace('<table><tr>', '<table><tr>'));
  });

  it('removes scripts, styles, event handlers, frames, forms and inline styles', () => {
    const out = clean('<p onclick="steal()" style="color:red">hi</p><script>alert(1)</script><style>p{}</style><iframe src="https://evil.example"></iframe><form action="/x"><input name="a"></form><svg onload="x()"></svg>');
    assert.equal(out, '<p>hi</p>');
  });

  it('keeps links with safe schemes, marked as others\' links, and drops javascript: and data:', () => {
    assert.equal(clean('<a href="https://example.org/a?b=1&amp;c=2" target="_blank">x</a>'), '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer ugc">x</a>');
    assert.equal(clean('<a href="javascript:alert(1)">x</a>'), '<a rel="nofollow noopener noreferrer ugc">x</a>');
    assert.equal(clean('<a href="data:text/html,<script>">x</a>'), '<a rel="nofollow noopener noreferrer ugc">x</a>');
    assert.equal(clean('<a href="//evil.example/x">x</a>'), '<a rel="nofollow noopener noreferrer ugc">x</a>');
  });

  it('drops the quoted original of a reply', () => {
    assert.equal(clean('<mx-reply><blockquote><a href="https://matrix.to/#/!r/$e">In reply to</a> secret</blockquote></mx-reply>my answer'), 'my answer');
  });

  it('keeps no colour: the page allows no inline style, and a colour for one theme may be unreadable in another', () => {
    assert.equal(clean('<font color="#ff0000" data-mx-color="#ff0000">red</font><span data-mx-bg-color="#000">x</span>'), '<font>red</font><span>x</span>');
  });

  it('shows a homeserver image through Hearth\'s address, and any other image as its alt text', () => {
    const url = (mxc: string): string | null => (mxc === 'mxc://camp.test/cat' ? '/posts/r/e/image/0' : null);
    assert.equal(sanitiseFormattedBody('<img src="mxc://camp.test/cat" alt="a cat" onerror="x()">', url), '<img src="/posts/r/e/image/0" alt="a cat" loading="lazy" />');
    assert.equal(sanitiseFormattedBody('<img src="https://tracker.example/pixel.gif" alt="pixel">', url), '<span>pixel</span>');
    assert.equal(sanitiseFormattedBody('<img src="mxc://far.test/unknown" alt="">', url), '<span></span>');
  });

  it('lists a body\'s homeserver images in order, once each', () => {
    assert.deepEqual(inlineImages('<img src="mxc://a/1"><p><img src="https://x/y.png"><img src="mxc://a/2"><img src="mxc://a/1"></p>'), ['mxc://a/1', 'mxc://a/2']);
  });
});

describe('a plain-text body as HTML', () => {
  it('is escaped and keeps its line breaks', () => {
    assert.equal(plainTextHtml('<b>hi</b> & "you"\nnext'), '&#60;b&#62;hi&#60;/b&#62; &#38; &#34;you&#34;<br>\nnext');
  });
});
