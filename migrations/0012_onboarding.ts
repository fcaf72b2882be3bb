// v12: onboarding. Invitations (each backed by a Synapse registration token),
// what Hearth knows of each member beyond their account (who invited them,
// their welcome, their introduction), agreements to the code of conduct by
// version, member removals as persisted jobs, and admins added or removed
// from chat. Everyone already a member is carried over as having agreed.
import type { Knex } from 'knex';

export const name = '0012_onboarding';

/** The version recorded for the members who were here before there was anything to agree to. */
export const CARRIED_OVER_VERSION = 'before-onboarding';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('invitations', (table) => {
    // Also the Synapse registration token: a client that asks for a token works with the bare code.
    table.string('code', 64).primary();
    table.text('note');
    table.string('created_by', 255).notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('expires_at').notNullable();
    // open, used or revoked; expired is open past expires_at.
    table.string('status', 16).notNullable();
    table.string('used_by', 255);
    table.bigInteger('used_at');
    table.string('revoked_by', 255);
    table.bigInteger('revoked_at');
    table.index(['status']);
  });
  await db.schema.createTable('member_profiles', (table) => {
    table.string('user_id', 255).primary();
    table.string('invited_by', 255);
    table.string('invitation_code', 64);
    table.bigInteger('signed_up_at');
    table.bigInteger('welcomed_at');
    table.text('introduction');
    table.bigInteger('introduced_at');
    table.bigInteger('announced_at');
  });
  await db.schema.createTable('coc_agreements', (table) => {
    table.string('user_id', 255).notNullable();
    table.string('version', 64).notNullable();
    table.bigInteger('agreed_at').notNullable();
    table.primary(['user_id', 'version']);
  });
  await db.schema.createTable('coc_versions', (table) => {
    table.string('version', 64).primary();
    table.bigInteger('first_seen_at').notNullable();
  });
  await db.schema.createTable('coc_notices', (table) => {
    table.string('user_id', 255).notNullable();
    table.string('version', 64).notNullable();
    table.bigInteger('sent_at').notNullable();
    table.primary(['user_id', 'version']);
  });
  await db.schema.createTable('member_removals', (table) => {
    table.increments('id').primary();
    table.string('user_id', 255).notNullable();
    table.text('reason').notNullable();
    table.boolean('deactivate').notNullable();
    table.string('requested_by', 255).notNullable();
    table.bigInteger('requested_at').notNullable();
    table.bigInteger('told_at');
    table.bigInteger('kicked_at');
    table.bigInteger('invitations_revoked_at');
    table.bigInteger('deactivated_at');
    table.bigInteger('finished_at');
  });
  await db.schema.createTable('community_admins', (table) => {
    table.string('user_id', 255).primary();
    // added or removed: what `!admin add` and `!admin remove` decided, over the config's list.
    table.string('status', 16).notNullable();
    table.string('changed_by', 255).notNullable();
    table.bigInteger('changed_at').notNullable();
  });
  await db.raw(
    'insert into coc_agreements (user_id, version, agreed_at) select user_id, ?, first_seen_at from members',
    [CARRIED_OVER_VERSION],
  );
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['community_admins', 'member_removals', 'coc_notices', 'coc_versions', 'coc_agreements', 'member_profiles', 'invitations']) {
    await db.schema.dropTable(table);
  }
}
