// A new member's way in: the welcome DM (the welcome, the code of conduct with
// !agree, a guide to the tiers, an invitation to introduce themselves), the
// agreement that lets them into the space and its rooms, the "Please welcome"
// post in the local timeline, and a word to the admins at each step. The
// member directory asks `admission` before it invites anyone.
import type { NotifyAdmins } from '../community/admin-notices.ts';
import type { DirectMessage } from '../community/direct-messages.ts';
import type { Logger } from '../logging/logger.ts';
import type { HomeserverClient } from '../matrix/client.ts';
import type { OnboardingStore } from '../store/onboarding-store.ts';
import { mayBeLetIn, standingOf, type Standing } from './agreement.ts';
import { renderMarkdown } from '../text/markdown.ts';
import { tierGuide, type CodeOfConduct, type Text } from './texts.ts';

export interface WelcomeOptions {
  messenger: { send(userId: string, message: DirectMessage): Promise<unknown> };
  store: OnboardingStore;
  codeOfConduct: CodeOfConduct | null;
  welcome: Text;
  serverName: string;
  client: Pick<HomeserverClient, 'sendEvent' | 'profile'>;
  /** The local timeline, where newcomers are welcomed; null before it exists. */
  localTimeline: () => Promise<string | null>;
  notify: NotifyAdmins;
  /** Asks the member directory for a pass: someone may now be let in. */
  requestPass: () => void;
  log: Logger;
  now?: () => number;
}

/** The welcome DM: the community's own welcome, the code of conduct, the tiers, and introductions. */
export function welcomeMessage(welcome: Text, coc: CodeOfConduct | null, serverName: string, agreed: boolean): { text: string; html: string } {
  const next = agreed
    ? 'You agreed to it when you signed up: I have invited you into the community space and its rooms.'
    : 'Say **!agree** here to agree to it. Once you have, I invite you into the community space and its rooms.';
  const agreeing = coc ? ['**Our code of conduct**', coc.markdown, next] : [];
  const closing = 'Tell us who you are: say **!intro** and a few sentences about yourself (who you know here, what you like). **!who** shows everyone, **!help** what else I can do.';
  const markdown = [welcome.markdown, ...agreeing, '**Who reads what**', tierGuide(serverName), closing].join('\n\n');
  return { text: markdown, html: renderMarkdown(markdown) };
}

export class Welcome {
  private readonly o: WelcomeOptions;

  constructor(options: WelcomeOptions) {
    this.o = options;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  get codeOfConduct(): CodeOfConduct | null {
    return this.o.codeOfConduct;
  }

  async standing(userId: string): Promise<Standing> {
    return standingOf(this.o.codeOfConduct?.version ?? null, await this.o.store.agreedVersions(userId));
  }

  /**
   * Before the member directory invites someone: sends the welcome DM they are
   * owed, and says whether they may be let in. A welcome is owed to everyone
   * while there is a code of conduct (they must read it to agree), and to
   * everyone who signed up with an invitation.
   */
  admission = async (userId: string): Promise<'let in' | 'wait'> => {
    const profile = await this.o.store.profile(userId);
    const owed = this.o.codeOfConduct !== null || profile?.signedUpAt != null;
    const standing = await this.standing(userId);
    if (owed && profile?.welcomedAt == null) await this.sendWelcome(userId, standing === 'agreed');
    return mayBeLetIn(standing) ? 'let in' : 'wait';
  };

  private async sendWelcome(userId: string, agreed: boolean): Promise<void> {
    const message = welcomeMessage(this.o.welcome, this.o.codeOfConduct, this.o.serverName, agreed);
    await this.o.messenger.send(userId, { id: `welcome.${userId}`, text: message.text, html: message.html });
    await this.o.store.markWelcomed(userId, this.now());
    this.o.log.info('sent a welcome', { user_id: userId });
  }

  /** `!agree`: records the agreement; the first one lets the member in. */
  async agree(userId: string): Promise<string> {
    const coc = this.o.codeOfConduct;
    if (!coc) return 'There is no code of conduct here to agree to: you are in already.';
    const before = await this.standing(userId);
    if (before === 'agreed') return 'You have agreed to the code of conduct already. Thank you!';
    await this.o.store.agree(userId, coc.version, this.now());
    this.o.log.info('a member agreed to the code of conduct', { user_id: userId, version: coc.version });
    if (before === 'agreed earlier') {
      await this.o.notify(`${userId} agreed to the new code of conduct.`);
      return 'Thank you for agreeing to the new code of conduct.';
    }
    await this.o.notify(`${userId} agreed to the code of conduct; Hearth is inviting them into the community.`);
    await this.announce(userId);
    this.o.requestPass();
    return 'Thank you! I am inviting you to the community space and its rooms now: accept the invitations to come in. Say !intro and a few sentences to introduce yourself.';
  }

  /** `!intro`: keeps the introduction; the first one after the welcome post is shared in the local timeline. */
  async introduce(userId: string, text: string): Promise<string> {
    const before = await this.o.store.profile(userId);
    await this.o.store.setIntroduction(userId, text, this.now());
    await this.o.notify(`${userId} introduced themselves: ${text}`);
    if (before?.announcedAt != null && before.introduction === null) {
      const roomId = await this.o.localTimeline();
      if (roomId) {
        const name = await this.displayName(userId);
        await this.o.client.sendEvent(roomId, 'm.room.message', { msgtype: 'm.text', body: `${name} (${userId}) introduces themselves: ${text}` }, `intro.${userId}`, { reveals: 'local' });
      }
    }
    return 'Thank you: your introduction is saved. Members see it with !who; it never leaves this server.';
  }

  /**
   * "Please welcome Sam (invited by Alice)", once, in the local timeline:
   * when a new member has agreed (or signed up, where there is nothing to agree to).
   */
  async announce(userId: string): Promise<void> {
    const profile = await this.o.store.profile(userId);
    if (profile?.announcedAt != null) return;
    const roomId = await this.o.localTimeline();
    if (!roomId) return;
    const name = await this.displayName(userId);
    const invitedBy = profile?.invitedBy ? ` (invited by ${await this.displayName(profile.invitedBy)})` : '';
    const intro = profile?.introduction ? `\n\nIn their own words: ${profile.introduction}` : '';
    const body = `Please welcome ${name}${invitedBy}! They are ${userId}.${intro}`;
    // Idempotent: the same transaction id posts once, even when a crash makes this run again.
    await this.o.client.sendEvent(roomId, 'm.room.message', { msgtype: 'm.text', body }, `welcome-post.${userId}`, { reveals: 'local' });
    await this.o.store.markAnnounced(userId, this.now());
    this.o.log.info('welcomed a new member in the local timeline', { user_id: userId });
  }

  /**
   * After the code of conduct changed: each of `memberIds` who has not agreed
   * to this text is sent it, with !agree, once per version.
   */
  async sendChangedCode(memberIds: readonly string[]): Promise<number> {
    const coc = this.o.codeOfConduct;
    if (!coc) return 0;
    const sent = await this.o.store.noticesSent(coc.version);
    const agreements = await this.o.store.agreements();
    let count = 0;
    for (const userId of memberIds) {
      const standing = standingOf(coc.version, agreements.get(userId) ?? []);
      // Everyone passed in is in the space already: past their welcome, so the text comes this way.
      if (standing === 'agreed' || sent.has(userId)) continue;
      const markdown = `The code of conduct of this community has changed. Here it is in full:

${coc.markdown}

Say **!agree** here to agree to it.`;
      await this.o.messenger.send(userId, { id: `coc.${coc.version}.${userId}`, text: markdown, html: renderMarkdown(markdown) });
      await this.o.store.markNoticeSent(userId, coc.version, this.now());
      count++;
    }
    return count;
  }

  async displayName(userId: string): Promise<string> {
    const name = (await this.o.client.profile(userId)).displayname?.trim();
    return name && name !== '' ? name : userId.slice(1, userId.indexOf(':'));
  }
}
