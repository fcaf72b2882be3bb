// The admins' !neighborhood commands: each is a pure decision (commands-logic)
// carried out by the service.
import { defineCommand, type Command } from '../commands/command.ts';
import { decideAccept, decideApprove, decideCreate, decideLeave, decidePropose, decideReject, decideRemove } from './commands-logic.ts';
import type { NeighborhoodService } from './service.ts';
import { describeStatus } from './status.ts';

const server = { name: 'server', kind: 'word', description: 'a server name, e.g. hood.example.org' } as const;

export function neighborhoodCommands(service: NeighborhoodService): Command[] {
  const admin = 'admin' as const;
  return [
    defineCommand({ name: 'neighborhood create', summary: 'Start a neighborhood with this server as its first member.', params: [], permission: admin,
      async run(context) { return { text: await service.apply(decideCreate(await service.situation(), `council:${context.eventId}`)) }; } }),
    defineCommand({ name: 'neighborhood propose', summary: 'Propose a server for the neighborhood (every member must approve, and it must accept).', params: [server], permission: admin,
      async run(_c, args) { return { text: await service.apply(decidePropose(await service.situation(), args.string('server'))) }; } }),
    defineCommand({ name: 'neighborhood approve', summary: 'Approve a proposed server.', params: [server], permission: admin,
      async run(_c, args) { return { text: await service.apply(decideApprove(await service.situation(), args.string('server'))) }; } }),
    defineCommand({ name: 'neighborhood reject', summary: 'Reject a proposed server, or decline an invitation from a neighborhood.', params: [server], permission: admin,
      async run(_c, args) { return { text: await service.apply(decideReject(await service.situation(), args.string('server'))) }; } }),
    defineCommand({ name: 'neighborhood accept', summary: 'Accept the invitation into a neighborhood.', params: [{ ...server, optional: true }], permission: admin,
      async run(_c, args) { return { text: await service.apply(decideAccept(await service.situation(), args.optionalString('server'))) }; } }),
    defineCommand({ name: 'neighborhood leave', summary: 'Leave the neighborhood.', params: [], permission: admin,
      async run() { return { text: await service.apply(decideLeave(await service.situation())) }; } }),
    defineCommand({ name: 'neighborhood remove', summary: 'Vote to remove a member (every other member must agree).', params: [server], permission: admin,
      async run(_c, args) { return { text: await service.apply(decideRemove(await service.situation(), args.string('server'))) }; } }),
    defineCommand({ name: 'neighborhood status', summary: 'Show the members, the candidates and who has voted.', params: [], permission: admin,
      async run() { return { text: describeStatus(await service.situation()) }; } }),
  ];
}
