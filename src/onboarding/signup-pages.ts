// The sign-up pages of an invitation link, on Hearth's web listener:
// GET /invite/<code> shows the community, its code of conduct and the form;
// POST /invite/<code> signs up. Each outcome is its own template.
import type { Request, Response, Router } from 'express';
import type { PageKit, WebPages } from '../web/index.ts';
// From csrf.ts itself: the web index brings express, helmet and the templates, which only the web listener needs.
import { CSRF_FIELD } from '../web/csrf.ts';
import type { SignUp, SignUpForm, SignUpPage } from './signup.ts';
import type { CodeOfConduct } from './texts.ts';

export interface SignUpPagesOptions {
  signUp: Pick<SignUp, 'open' | 'submit'>;
  codeOfConduct: CodeOfConduct | null;
  description: string;
  serverName: string;
  botUserId: string;
  /** What members type into their client as the homeserver. */
  homeserverAddress: string;
}

const UNUSABLE: Readonly<Record<string, { title: string; message: string }>> = {
  used: { title: 'This invitation has been used', message: 'Each invitation link works once, and someone has signed up with this one. If that was not you, ask the person who invited you for a new link.' },
  expired: { title: 'This invitation has expired', message: 'Invitation links work for a limited time, and this one ran out. Ask the person who invited you for a new link.' },
  revoked: { title: 'This invitation was withdrawn', message: 'The community withdrew this invitation link. If you think that is a mistake, ask the person who invited you.' },
  unknown: { title: 'This is not an invitation link', message: 'There is no invitation at this address. Check that you copied the whole link, or ask the person who invited you for a new one.' },
};

function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

function formOf(req: Request): SignUpForm {
  return {
    username: field(req.body, 'username').slice(0, 200),
    password: field(req.body, 'password'),
    confirm: field(req.body, 'confirm'),
    agreed: field(req.body, 'agreed') === 'yes',
  };
}

export function signUpPages(o: SignUpPagesOptions): WebPages {
  const show = (req: Request, res: Response, kit: PageKit, code: string, page: SignUpPage): void => {
    switch (page.kind) {
      case 'form':
        kit.render(res, 'onboarding/signup', {
          title: `Join ${kit.communityName}`,
          action: `/invite/${encodeURIComponent(code)}`,
          csrfField: CSRF_FIELD,
          csrf: kit.formToken(req, res),
          description: o.description,
          cocHtml: o.codeOfConduct?.html ?? null,
          serverName: o.serverName,
          kept: page.kept,
          problem: page.problem,
        }, page.problem ? 400 : 200);
        return;
      case 'unusable':
        kit.render(res, 'onboarding/refused', { ...UNUSABLE[page.why], kept: page.kept }, page.why === 'unknown' ? 404 : 410);
        return;
      case 'full':
        kit.render(res, 'onboarding/refused', {
          title: `${kit.communityName} is full`,
          message: `The community has room for no one more right now (${page.headcount}). Nothing was created. Ask the person who invited you; they can tell you when there is room.`,
          kept: page.kept,
        }, 409);
        return;
      case 'done':
        kit.render(res, 'onboarding/done', {
          title: `Welcome to ${kit.communityName}`,
          userId: page.userId,
          username: page.username,
          homeserverAddress: o.homeserverAddress,
          botUserId: o.botUserId,
          botLink: `https://matrix.to/#/${encodeURIComponent(o.botUserId)}`,
          agreeing: o.codeOfConduct !== null,
        });
        return;
    }
  };
  return (router: Router, kit: PageKit) => {
    router.get('/invite/:code', async (req, res) => {
      const code = req.params.code;
      show(req, res, kit, code, await o.signUp.open(code));
    });
    router.post('/invite/:code', async (req, res) => {
      const code = req.params.code;
      show(req, res, kit, code, await o.signUp.submit(code, formOf(req)));
    });
  };
}
