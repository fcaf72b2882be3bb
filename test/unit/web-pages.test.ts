// The web listener's promises, page by page with plain HTTP: headers that
// allow no script and nothing from elsewhere, a form token every form must
// carry back, escaped input, and a password that never comes back in a page.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Server } from 'node:http';
import { CsrfTokens } from '../../src/web/csrf.ts';
import { createWebApp } from '../../src/web/index.ts';
import { signUpPages } from '../../src/onboarding/signup-pages.ts';
import type { SignUpForm, SignUpPage } from '../../src/onboarding/signup.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { testConfig } from '../support/config.ts';

const invitation = { code: 'abc', note: null, createdBy: '@admin:camp.test', createdAt: 0, expiresAt: 1e15, status: 'open' as const, usedBy: null, usedAt: null, revokedBy: null, revokedAt: null };

describe('the web listener', () => {
  let server: Server;
  let base: string;
  const submitted: SignUpForm[] = [];

  before(async () => {
    const config = testConfig();
    config.web.public_base_url = 'http://127.0.0.1:1';
    config.web.submissions_per_hour = 6;
    const app = createWebApp({
      config,
      log: silentLogger(),
      pages: [signUpPages({
        signUp: {
          open: () => Promise.resolve({ kind: 'form', invitation, kept: { username: '', agreed: false }, problem: null }),
          submit: (_code, form): Promise<SignUpPage> => {
            submitted.push(form);
            return Promise.resolve({ kind: 'form', invitation, kept: { username: form.username, agreed: form.agreed }, problem: { field: 'username', message: 'That username is taken. Choose another one.' } });
          },
        },
        codeOfConduct: { markdown: 'Be kind.', html: '<p>Be kind.</p>', version: 'v1' },
        description: 'We <b>knit</b> on Sundays.',
        serverName: 'camp.test',
        botUserId: '@hearth:camp.test',
        homeserverAddress: 'camp.test',
      })],
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => { server.close(); });

  async function openForm(): Promise<{ cookie: string; token: string; html: string; response: Response }> {
    const response = await fetch(`${base}/invite/abc`);
    const html = await response.text();
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    return { cookie, token, html, response };
  }

  function post(fields: Record<string, string>, cookie?: string): Promise<Response> {
    return fetch(`${base}/invite/abc`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(fields),
    });
  }

  it('serves a page that allows no script and nothing from another site', async () => {
    const { response, html } = await openForm();
    assert.equal(response.status, 200);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'self'/);
    assert.doesNotMatch(csp, /script-src/);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.doesNotMatch(html, /<script|https?:\/\/(?!matrix\.to)/);
    assert.match(html, /<link rel="stylesheet" href="\/assets\/hearth.css">/);
  });

  it('escapes what it shows: the description is text, not markup', async () => {
    const { html } = await openForm();
    assert.match(html, /We &lt;b&gt;knit&lt;\/b&gt; on Sundays\./);
  });

  it('refuses a form without the token it gave, and passes it on with one', async () => {
    const before = submitted.length;
    assert.equal((await post({ username: 'sam', password: 'pw', confirm: 'pw' })).status, 403);
    const { cookie, token } = await openForm();
    assert.equal((await post({ _csrf: 'forged', username: 'sam', password: 'pw', confirm: 'pw' }, cookie)).status, 403);
    assert.equal(submitted.length, before);
    assert.equal((await post({ _csrf: token, username: 'sam', password: 'pw', confirm: 'pw' }, cookie)).status, 400);
    assert.equal(submitted.length, before + 1);
  });

  it('keeps what was typed on a refusal, escaped, but never the password', async () => {
    const { cookie, token } = await openForm();
    const response = await post({ _csrf: token, username: '"><script>alert(1)</script>', password: 'hunter2-secret', confirm: 'hunter2-secret', agreed: 'yes' }, cookie);
    const html = await response.text();
    assert.match(html, /That username is taken/);
    assert.match(html, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    assert.match(html, /name="agreed" value="yes" checked/);
    assert.doesNotMatch(html, /hunter2-secret/);
  });

  it('limits how many forms one address may send, with a page that says so', async () => {
    const { cookie, token } = await openForm();
    // Six forms an hour are allowed here, and the tests above sent four.
    const answers: Response[] = [];
    for (let i = 0; i < 3; i++) answers.push(await post({ _csrf: token, username: 'sam', password: 'pw', confirm: 'pw' }, cookie));
    assert.deepEqual(answers.map((a) => a.status), [400, 400, 429]);
    assert.match(await answers[2]!.text(), /too many forms/);
  });

  it('answers an unknown address with a page, not a stack trace', async () => {
    const response = await fetch(`${base}/nothing-here`);
    assert.equal(response.status, 404);
    assert.match(await response.text(), /There is no page at this address/);
  });
});

describe('form tokens', () => {
  it('belong to one browser and one key', () => {
    const tokens = new CsrfTokens('secret one');
    const browser = CsrfTokens.newBrowserId();
    const token = tokens.tokenFor(browser);
    assert.equal(tokens.verify(browser, token), true);
    assert.equal(tokens.verify(CsrfTokens.newBrowserId(), token), false);
    assert.equal(new CsrfTokens('secret two').verify(browser, token), false);
    assert.equal(tokens.verify(undefined, token), false);
    assert.equal(tokens.verify(browser, ''), false);
  });
});
