// The one migration history, in order. Append only: a released migration is
// never edited; a change is a new file listed at the end.
import type { Knex } from 'knex';
import * as initial from './0001_initial.ts';
import * as tiers from './0002_tiers.ts';
import * as defederation from './0003_defederation.ts';
import * as bugle from './0004_bugle.ts';
import * as neighborhood from './0005_neighborhood.ts';
import * as policySubscriptions from './0006_policy_subscriptions.ts';
import * as encryption from './0007_encryption.ts';
import * as transactionFingerprints from './0008_transaction_fingerprints.ts';
import * as memberInvitations from './0009_member_invitations.ts';
import * as memberRemoval from './0010_member_removal.ts';
import * as neighborRooms from './0011_neighbor_rooms.ts';
import * as onboarding from './0012_onboarding.ts';
import * as jobs from './0013_jobs.ts';
import * as webOptOuts from './0014_web_opt_outs.ts';
import * as repairs from './0015_repairs.ts';
import * as inboxInHand from './0016_inbox_in_hand.ts';
import * as inboxPendingIndex from './0017_inbox_pending_index.ts';

export interface Migration {
  name: string;
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

export const migrations: readonly Migration[] = [
  initial,
  tiers,
  defederation,
  bugle,
  neighborhood,
  policySubscriptions,
  encryption,
  transactionFingerprints,
  memberInvitations,
  memberRemoval,
  neighborRooms,
  onboarding,
  jobs,
  webOptOuts,
  repairs,
  inboxInHand,
  inboxPendingIndex,
];
