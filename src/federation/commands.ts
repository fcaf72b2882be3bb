// Admin and member commands for defederation. They call the Defederation
// service, which the web pages will call too.
import { defineCommand, type Command } from '../commands/command.ts';
import { whoWasTold, type Defederation } from './defederation.ts';
import { renderImpact } from './impact.ts';

const server = { name: 'server', kind: 'word', description: 'a server name or glob, e.g. far.example.org or *.far.example.org' } as const;
// Required: the members who lose contacts are told why, and the ban list publishes it.
const reason = { name: 'reason', kind: 'text', description: 'why; affected members are told' } as const;

export function defederationCommands(service: Defederation): Command[] {
  return [
    defineCommand({
      name: 'defederate propose',
      summary: 'Propose cutting a server off: shows who would lose contact with whom, and tells them.',
      params: [server, reason],
      permission: 'admin',
      async run(context, args) {
        const { proposal, report, told } = await service.propose(args.string('server'), args.string('reason'), context.sender);
        return { text: `${renderImpact(report)}\n\n${whoWasTold(told.length)} Decide with !defederate confirm ${proposal.target}.` };
      },
    }),
    defineCommand({
      name: 'defederate confirm',
      summary: 'Carry out a proposed defederation.',
      params: [server],
      permission: 'admin',
      async run(context, args) {
        return { text: await service.confirm(args.string('server'), context.sender) };
      },
    }),
    defineCommand({
      name: 'defederate withdraw',
      summary: 'Drop a proposed defederation without deciding it (the members told of it are told it is off).',
      params: [server],
      permission: 'admin',
      async run(context, args) {
        return { text: await service.withdraw(args.string('server'), context.sender) };
      },
    }),
    defineCommand({
      name: 'defederate now',
      summary: 'Cut a server off at once, for spam or abuse (members are told afterwards).',
      params: [server, reason],
      permission: 'admin',
      async run(context, args) {
        return { text: await service.decideNow(args.string('server'), args.string('reason'), context.sender) };
      },
    }),
    defineCommand({
      name: 'defederate status',
      summary: 'Show defederated servers, open proposals with their reports, and members\' replies.',
      params: [],
      permission: 'admin',
      async run() {
        return { text: await service.status() };
      },
    }),
    defineCommand({
      name: 'defederate compact',
      summary: 'Merge denied servers that share a parent domain into one glob each, to keep the ACL small.',
      params: [],
      permission: 'admin',
      async run(context) {
        return { text: await service.compact(context.sender) };
      },
    }),
    defineCommand({
      name: 'defederate reply',
      summary: 'Tell the admins what you think of a proposed defederation.',
      params: [server, { name: 'words', kind: 'text', description: 'what you want the admins to know' }],
      permission: 'member',
      async run(context, args) {
        await service.reply(context.sender, args.string('server'), args.string('words'));
        return { text: 'Thank you: the admins have your reply.' };
      },
    }),
    defineCommand({
      name: 'refederate',
      summary: 'Reverse a defederation (history and removed members stay as they are).',
      params: [server],
      permission: 'admin',
      async run(context, args) {
        return { text: await service.refederate(args.string('server'), context.sender) };
      },
    }),
    defineCommand({
      name: 'severed',
      summary: 'List the contacts you lost when servers were cut off.',
      params: [],
      permission: 'member',
      async run(context) {
        return { text: await service.severed(context.sender) };
      },
    }),
  ];
}
