// v3: defederation with informed consent. Proposals with their impact report
// and the members' replies; the contacts each member lost; ACL propagation as
// a persisted job (so a restart resumes it); the bots' DM rooms; and what
// Hearth sees of remote accounts (membership in managed rooms, last activity).
import type { Knex } from 'knex';

export const name = '0003_defederation';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('defederated_servers', (table) => {
    table.string('decided_by', 255);
  });
  await db.schema.createTable('defederation_proposals', (table) => {
    table.increments('id').primary();
    table.string('target', 255).notNullable();
    table.text('reason').notNullable();
    table.string('proposed_by', 255).notNullable();
    table.bigInteger('proposed_at').notNullable();
    table.bigInteger('due_at').notNullable();
    table.string('status', 16).notNullable().defaultTo('open');
    table.text('report').notNullable();
    table.index(['target', 'status']);
  });
  await db.schema.createTable('defederation_replies', (table) => {
    table.increments('id').primary();
    table.integer('proposal_id').notNullable().references('id').inTable('defederation_proposals');
    table.string('member', 255).notNullable();
    table.text('body').notNullable();
    table.bigInteger('replied_at').notNullable();
  });
  await db.schema.createTable('severed_contacts', (table) => {
    table.string('member', 255).notNullable();
    table.string('contact', 255).notNullable();
    table.string('server_glob', 255).notNullable();
    table.bigInteger('severed_at').notNullable();
    table.bigInteger('restored_at');
    table.primary(['member', 'contact', 'server_glob']);
  });
  await db.schema.createTable('acl_jobs', (table) => {
    table.increments('id').primary();
    table.text('reason').notNullable();
    table.text('kick_globs').notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('finished_at');
  });
  await db.schema.createTable('acl_job_rooms', (table) => {
    table.integer('job_id').notNullable().references('id').inTable('acl_jobs');
    table.string('room_id', 255).notNullable();
    table.string('status', 16).notNullable().defaultTo('pending');
    table.integer('attempts').notNullable().defaultTo(0);
    table.text('last_error');
    table.primary(['job_id', 'room_id']);
  });
  await db.schema.createTable('direct_rooms', (table) => {
    table.string('bot_user_id', 255).notNullable();
    table.string('user_id', 255).notNullable();
    table.string('room_id', 255);
    table.bigInteger('created_at').notNullable();
    table.primary(['bot_user_id', 'user_id']);
  });
  await db.schema.createTable('room_members', (table) => {
    table.string('room_id', 255).notNullable();
    table.string('user_id', 255).notNullable();
    table.string('membership', 16).notNullable();
    table.primary(['room_id', 'user_id']);
    table.index(['user_id']);
  });
  await db.schema.createTable('remote_activity', (table) => {
    table.string('user_id', 255).primary();
    table.bigInteger('last_seen_at').notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['remote_activity', 'room_members', 'direct_rooms', 'acl_job_rooms', 'acl_jobs', 'severed_contacts', 'defederation_replies', 'defederation_proposals']) {
    await db.schema.dropTable(table);
  }
  await db.schema.alterTable('defederated_servers', (table) => {
    table.dropColumn('decided_by');
  });
}
