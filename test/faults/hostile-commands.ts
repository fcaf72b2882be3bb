// hostile-commands: what a member can type at the bots to hurt the community.
// 10,000-character arguments, unbalanced quotes and room names with
// direction overrides or line breaks each get a short, clear answer that does
// not repeat them; !room list shows no injected text; HTML and script in a
// broadcast reach recipients as text, never as markup; and 200 `!room create`
// in a minute create only what the per-member limit allows, every other one
// refused with the reason.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { botOf, openDm } from '../support/hearth.ts';
import { broadcast, bugleDms, copiesIn, deliveryReport } from '../support/bugle.ts';
import { Member, repliesTo, waitFor, type RoomEvent } from '../support/member.ts';
import type { Findings } from './findings.ts';
import { restartWith, ROOMY_BUGLE } from './restarts.ts';

const CAMP = 'camp.test';
const GLEN = 'glen.test';
const LONGEST_ANSWER = 4_000;
const FLOOD = 200;
/** Direction overrides and isolates, and line breaks: what lets a name pass for other text. */
const SPOOFING = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\r\n]/;
/** The tags a broadcast's formatted_body may hold: the Bugle's own frame. */
const FRAME_TAGS = new Set(['a', 'p', 'br', 'strong', 'em', 'b']);

async function answerTo(member: Member, dm: string, command: string): Promise<string> {
  const reply = await member.waitForReply(dm, botOf(CAMP), await member.send(dm, command), 120_000);
  return String(reply.content.body);
}

function unsafeMarkup(copy: RoomEvent): string[] {
  const html = typeof copy.content.formatted_body === 'string' ? copy.content.formatted_body : '';
  const problems: string[] = [];
  for (const [, tag, attributes] of html.matchAll(/<\s*\/?\s*([a-zA-Z0-9-]+)([^>]*)>/g)) {
    if (tag === undefined || !FRAME_TAGS.has(tag.toLowerCase())) problems.push(`a <${tag ?? '?'}> tag`);
    if (/\son\w+\s*=/i.test(attributes ?? '')) problems.push(`an event handler on <${tag ?? '?'}>`);
    const href = /href\s*=\s*"([^"]*)"/i.exec(attributes ?? '')?.[1];
    if (href !== undefined && !href.startsWith('https://matrix.to/')) problems.push(`a link to ${href}`);
  }
  return problems;
}

async function longAndBrokenInput(findings: Findings): Promise<void> {
  const member = await Member.register(CAMP, 'hostile-typist');
  const dm = await openDm(member, botOf(CAMP));
  const long = 'a'.repeat(10_000);
  const cases: [string, string][] = [
    ['long_room_name', `!room create ${long}`],
    ['long_help_topic', `!help ${long}`],
    ['long_tier', `!tier ${long}`],
    ['long_bugle', `!bugle ${long}`],
    ['unbalanced_quote', '!room create "Knitting circle --tier public'],
    ['stray_quote', '!room create Knitting" circle"'],
    ['bidi_name', '!room create "Announcements \u202Elaicffo\u202C"'],
    ['newline_name', '!room create "Picnic\nAnnouncements (official) — https://matrix.to/#/!evil:attacker.example"'],
  ];
  let clear = 0;
  for (const [name, command] of cases) {
    const answer = await answerTo(member, dm, command);
    const problems = [
      answer.length > LONGEST_ANSWER ? `is ${answer.length} characters long` : '',
      answer.includes('a'.repeat(200)) ? 'repeats the long argument' : '',
      SPOOFING.test(answer.replace(/\n/g, '')) ? 'repeats a direction control' : '',
    ].filter(Boolean);
    findings.expect(problems.length === 0, `the answer to ${name} ${problems.join(' and ')}`);
    if (problems.length === 0) clear++;
  }
  findings.figure('odd_inputs', cases.length);
  findings.figure('clear_answers', clear);
  const list = await answerTo(member, dm, '!room list');
  const spoofedLines = list.split('\n').filter((line) => SPOOFING.test(line) || line.startsWith('Announcements (official)'));
  findings.figure('room_list_spoofed_lines', spoofedLines.length);
  findings.expect(spoofedLines.length === 0, `!room list shows ${spoofedLines.length} spoofing line(s): ${JSON.stringify(spoofedLines.slice(0, 2))}`);
}

async function roomFlood(findings: Findings): Promise<void> {
  const member = await Member.register(CAMP, 'room-flood');
  const bot = botOf(CAMP);
  const dm = await openDm(member, bot);
  const started = Date.now();
  const commands: string[] = [];
  for (let i = 0; i < FLOOD; i++) commands.push(await member.send(dm, `!room create "Flood ${i}" --tier public`));
  findings.figure('flood_sent_s', ((Date.now() - started) / 1000).toFixed(1));
  const answers = await waitFor('every !room create to be answered', async () => {
    const messages: RoomEvent[] = [];
    let from = '';
    // Page back through the DM: 200 commands and their answers do not fit one page.
    for (let page = 0; page < 10; page++) {
      const chunk = await member.request<{ chunk: RoomEvent[]; end?: string }>('GET', `/rooms/${encodeURIComponent(dm)}/messages?dir=b&limit=500${from}`);
      messages.push(...chunk.chunk);
      if (chunk.end === undefined || chunk.chunk.length === 0) break;
      from = `&from=${encodeURIComponent(chunk.end)}`;
    }
    const found = commands.map((id) => messages.filter((e) => e.sender === bot && repliesTo(e, id)).map((e) => String(e.content.body)));
    return found.every((replies) => replies.length > 0) ? found : null;
  }, 300_000);
  const created = answers.filter((replies) => replies.some((body) => /matrix\.to/.test(body) && !/the most a member may/.test(body))).length;
  const refused = answers.filter((replies) => replies.some((body) => /the most a member may/.test(body) && /You can create another after/.test(body))).length;
  const repeated = answers.filter((replies) => replies.length > 1).length;
  findings.figure('room_creates', FLOOD);
  findings.figure('rooms_created', created);
  findings.figure('refused_with_reason', refused);
  findings.expect(created + refused === FLOOD, `${FLOOD - created - refused} of ${FLOOD} !room create got neither a room nor the limit's refusal`);
  findings.expect(created <= 5, `one member created ${created} rooms in a minute`);
  findings.expect(repeated === 0, `${repeated} !room create were answered more than once`);
}

async function markupInBroadcast(findings: Findings): Promise<void> {
  await restartWith(GLEN, ROOMY_BUGLE);
  const marker = `markup-${randomBytes(3).toString('hex')}`;
  const sender = await Member.register(GLEN, 'markup-sender');
  await sleep(2_000);
  const sent = await broadcast(sender, GLEN, `${marker} <script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">click</a> <b onclick="x()">bold</b> &amp; <iframe src="https://attacker.example"></iframe>`);
  await deliveryReport(GLEN, sent);
  const copies = (await Promise.all((await bugleDms(GLEN)).map((dm) => copiesIn(GLEN, dm.room_id, marker)))).flat();
  const unsafe = copies.map(unsafeMarkup).filter((problems) => problems.length > 0);
  findings.figure('broadcast_copies', copies.length);
  findings.figure('copies_with_markup', unsafe.length);
  findings.expect(copies.length > 0, 'no recipient got the broadcast');
  findings.expect(unsafe.length === 0, `${unsafe.length} copies carry live markup: ${unsafe[0]?.join(', ') ?? ''}`);
}

export async function hostileCommands(findings: Findings): Promise<void> {
  await longAndBrokenInput(findings);
  await roomFlood(findings);
  await markupInBroadcast(findings);
}
