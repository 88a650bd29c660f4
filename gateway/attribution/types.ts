/** Types shared by the pure attribution modules. Times are epoch milliseconds of the gateway's clock. */

import type { InviteRecord, VanityState } from '../../db/queries/invites';

// The invite and vanity shapes are the database's: one type from Discord to Postgres and back.
export type { InviteRecord, VanityState };

/** A complete answer of GET /guilds/{id}/invites (+ /vanity-url). */
export type FetchedInvites = {
  invites: Omit<InviteRecord, 'deletedAt'>[];
  /** null when the guild has no vanity feature (nothing to compare). */
  vanity: VanityState | null;
};

/** A join waiting for attribution. `key` identifies it (member id + joined_at). */
export type PendingJoin = {
  key: string;
  memberId: string;
  /** Discord's `joined_at`, as received. */
  joinedAt: string;
  /** When the gateway received GUILD_MEMBER_ADD (or, after a restart, when it was first recorded). */
  receivedAt: number;
  /** Found on reconnect without an event: what cannot be paired is `downtime`, not ambiguous/unknown. */
  missed?: boolean;
};

export type Candidate = { code: string; inviterId: string | null; vanity?: true };

export type DecidedOutcome =
  'exact' | 'ambiguous' | 'vanity' | 'bot' | 'unknown' | 'no_permission' | 'downtime';

/** Translatable reason keys, stored with every decision (see gateway/i18n). */
export type ReasonKey =
  | 'single_code'
  | 'max_uses_consumed'
  | 'vanity_url'
  | 'bot_account'
  | 'several_codes'
  | 'fewer_uses_than_joins'
  | 'more_uses_than_joins'
  | 'vanished_unconfirmed'
  | 'burst_unsettled'
  | 'no_use_changed'
  | 'not_primed'
  | 'fetch_failed'
  | 'missing_manage_guild'
  | 'joined_while_offline';

/** Why a decided join's decision changed. */
export type RevisionCause =
  | 'late_event' // a GUILD_MEMBER_ADD arrived whose use an earlier fetch may have counted
  | 'increment_lag' // counts showed uses counted after their events
  | 'later_fetch' // a later fetch settled what was open
  | 'audit_log' // the audit log told used-up from revoked
  | 'missed_join' // a join found after a lost session
  | 'restart'; // the solve after a restart (should not change anything)

/** A decided join whose decision the facts now contradict. Nothing is deleted: both are kept. */
export type Revision = {
  previous: Decision;
  next: Decision;
  cause: RevisionCause;
  /** When the engine revised it (epoch ms). */
  at: number;
};

export type Decision = {
  key: string;
  memberId: string;
  joinedAt: string;
  outcome: DecidedOutcome;
  reason: ReasonKey;
  /** The code used, when certain (exact, vanity). */
  code: string | null;
  /** The inviter, when certain (exact; ambiguous when every candidate shares one inviter). */
  inviterId: string | null;
  /** The codes that may have been used (ambiguous), else null. */
  candidates: Candidate[] | null;
};
