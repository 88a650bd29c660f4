/**
 * The one Drizzle schema shared by the gateway and the dashboard.
 *
 * Discord ids (snowflakes) are stored as Postgres `bigint` (8 bytes, compact indexes) and surfaced as
 * decimal strings in TypeScript, because they exceed Number.MAX_SAFE_INTEGER. Timestamps are
 * `timestamptz`. Every table that belongs to a guild carries `guild_id` first in its keys, so each
 * index serves per-guild queries (leaderboard, history) without scanning other guilds.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** A Discord snowflake: `bigint` in Postgres, decimal string in TypeScript (postgres.js and PGlite differ in how they return int8). */
export const snowflake = customType<{ data: string; driverData: string | bigint }>({
  dataType: () => 'bigint',
  toDriver: (value) => value,
  fromDriver: (value) => String(value),
});

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** How a join was attributed. `pending` is transient: the join is recorded on receipt and decided later. */
export const JOIN_OUTCOMES = [
  'pending',
  'exact',
  'ambiguous',
  'vanity',
  'bot',
  'unknown',
  'no_permission',
  'downtime',
] as const;
export type JoinOutcome = (typeof JOIN_OUTCOMES)[number];

/** Fake-account flags (fair play): which signals marked a join as fake. */
export const FAKE_FLAGS = ['account_age', 'no_avatar', 'rejoin', 'self_invite'] as const;
export type FakeFlag = (typeof FAKE_FLAGS)[number];
/** ANY: one enabled flag makes a join fake; ALL: every enabled flag must apply. */
export const FAKE_MODES = ['any', 'all'] as const;
export type FakeMode = (typeof FAKE_MODES)[number];

/**
 * The inviter's reward for a join under "rewards only for members who stay": `pending` until the
 * minimum stay has passed and the required role is there, then `released` (XP given) or
 * `forfeited` (the member left first). Null: the join earns nothing (not exact, fake, excluded…).
 */
export const REWARD_STATUSES = ['pending', 'released', 'forfeited'] as const;
export type RewardStatus = (typeof REWARD_STATUSES)[number];

/**
 * Reward roles: `stack` gives every tier's role the inviter reached, `highest` only the highest
 * tier's (lower ones are taken away when a higher one is reached).
 */
export const REWARD_ROLE_MODES = ['stack', 'highest'] as const;
export type RewardRoleMode = (typeof REWARD_ROLE_MODES)[number];

export const ROLE_SYNC_STATUSES = ['running', 'done'] as const;
export type RoleSyncStatus = (typeof ROLE_SYNC_STATUSES)[number];

export const LOCALES = ['de', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * `edit`: a log line already posted, changed by a revision (PATCH of the message `log` row sent).
 * `role`: a reward role to add to or remove from a member (target = the member, body.roleId); the
 * sender applies what `reward_role_grants` says at send time.
 */
export const OUTBOX_KINDS = ['log', 'dm', 'edit', 'role'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];
export const OUTBOX_STATUSES = ['pending', 'sent', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** `column in ('a', 'b')` for check constraints over the fixed value lists above (never user input). */
const inList = (column: AnyPgColumn, values: readonly string[]) =>
  sql`${column} in (${sql.raw(values.map((v) => `'${v}'`).join(', '))})`;

/** Guilds the bot has seen. Rows stay when the bot is removed (`removed_at`), so history survives a re-add. */
export const guilds = pgTable('guilds', {
  id: snowflake('id').primaryKey(),
  name: text('name').notNull(),
  icon: text('icon'),
  ownerId: snowflake('owner_id'),
  features: jsonb('features').$type<string[]>().notNull().default([]),
  /** The bot's guild-level permissions as a decimal bitfield string, computed from roles at GUILD_CREATE. */
  botPermissions: text('bot_permissions'),
  vanityCode: text('vanity_code'),
  vanityUses: integer('vanity_uses'),
  /** When the persisted invite snapshot (the `invites` rows) was last brought up to date from Discord. */
  snapshotAt: timestamp('snapshot_at', { withTimezone: true }),
  /**
   * The gateway's open attribution episode (the invite fetches since the snapshot and the timing it
   * measured), so a restarted gateway can still revise recent decisions; null when none is open.
   */
  attributionState: jsonb('attribution_state').$type<Record<string, unknown>>(),
  removedAt: timestamp('removed_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Per-guild configuration. A guild without a row uses the defaults (German, XP 50, no log channel).
 * Template columns are null while the admin has not edited them: the locale's default text is used,
 * so switching the language switches untouched templates too.
 */
export const guildSettings = pgTable(
  'guild_settings',
  {
    guildId: snowflake('guild_id')
      .primaryKey()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    logChannelId: snowflake('log_channel_id'),
    dmInviter: boolean('dm_inviter').notNull().default(false),
    xpPerInvite: integer('xp_per_invite').notNull().default(50),
    locale: text('locale').$type<Locale>().notNull().default('de'),
    logTemplate: text('log_template'),
    logTemplateUndecided: text('log_template_undecided'),
    dmTemplate: text('dm_template'),
    /** Log line of a join flagged fake (null: the locale's default). */
    fakeLogTemplate: text('fake_log_template'),
    /** Fair play: which fake-account flags apply (see FAKE_FLAGS) and how they combine. */
    fakeAccountAge: boolean('fake_account_age').notNull().default(false),
    fakeMinAccountAgeDays: integer('fake_min_account_age_days').notNull().default(7),
    fakeNoAvatar: boolean('fake_no_avatar').notNull().default(false),
    fakeRejoin: boolean('fake_rejoin').notNull().default(false),
    fakeSelfInvite: boolean('fake_self_invite').notNull().default(true),
    fakeMode: text('fake_mode').$type<FakeMode>().notNull().default('any'),
    /** The inviter's XP waits until the member stayed this many days (0: at once). */
    minStayDays: integer('min_stay_days').notNull().default(0),
    /** ...and until the member has this role (null: no role needed). */
    requiredRoleId: snowflake('required_role_id'),
    /** A line in the log channel when an invited member leaves. */
    leaveMessage: boolean('leave_message').notNull().default(false),
    leaveTemplate: text('leave_template'),
    /** XP is taken back when the member leaves within this many days of joining (0: kept). */
    xpTakeBackDays: integer('xp_take_back_days').notNull().default(0),
    /** Reward roles: every reached tier (`stack`) or only the highest. */
    rewardRoleMode: text('reward_role_mode').$type<RewardRoleMode>().notNull().default('stack'),
    /** Take a reward role away when the inviter's total falls below its tier (default: kept). */
    rewardRoleRemove: boolean('reward_role_remove').notNull().default(false),
    /** Where `/invites link` creates personal invites (null: the command says it is not set up). */
    personalLinkChannelId: snowflake('personal_link_channel_id'),
    /** Personal invites' max age in seconds (0: never expires) and max uses (0: unlimited). */
    personalLinkMaxAge: integer('personal_link_max_age').notNull().default(0),
    personalLinkMaxUses: integer('personal_link_max_uses').notNull().default(0),
    /** A season reset also starts XP from zero (kept by default: XP is the members' reward). */
    seasonResetsXp: boolean('season_resets_xp').notNull().default(false),
    updatedBy: snowflake('updated_by'),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('guild_settings_xp_range', sql`${t.xpPerInvite} between 0 and 100000`),
    check('guild_settings_locale', inList(t.locale, LOCALES)),
    check('guild_settings_fake_mode', inList(t.fakeMode, FAKE_MODES)),
    check('guild_settings_account_age_range', sql`${t.fakeMinAccountAgeDays} between 1 and 365`),
    check('guild_settings_min_stay_range', sql`${t.minStayDays} between 0 and 30`),
    check('guild_settings_take_back_range', sql`${t.xpTakeBackDays} between 0 and 30`),
    check('guild_settings_reward_role_mode', inList(t.rewardRoleMode, REWARD_ROLE_MODES)),
    check('guild_settings_link_max_age', sql`${t.personalLinkMaxAge} between 0 and 604800`),
    check('guild_settings_link_max_uses', sql`${t.personalLinkMaxUses} between 0 and 100`),
  ],
);

/** Codes an admin excluded from log messages, DMs and XP. Joins through them are still recorded. */
export const excludedCodes = pgTable(
  'excluded_codes',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    code: text('code').notNull(),
    createdBy: snowflake('created_by'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.code] })],
);

/**
 * The persisted invite snapshot. A deleted invite keeps its row with `deleted_at` set (a tombstone):
 * a max-uses invite is deleted when used up, and that delete may arrive after the join it explains.
 */
export const invites = pgTable(
  'invites',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    code: text('code').notNull(),
    uses: integer('uses').notNull().default(0),
    maxUses: integer('max_uses').notNull().default(0),
    maxAge: integer('max_age').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    inviterId: snowflake('inviter_id'),
    channelId: snowflake('channel_id'),
    temporary: boolean('temporary').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.code] }),
    index('invites_guild_inviter_idx').on(t.guildId, t.inviterId),
  ],
);

export type JoinCandidate = { code: string; inviterId: string | null };

/** Every join, with how it was attributed and why. Unique per guild, member and join time, so a replayed event adds nothing. */
export const memberJoins = pgTable(
  'member_joins',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    memberId: snowflake('member_id').notNull(),
    memberBot: boolean('member_bot').notNull().default(false),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull(),
    outcome: text('outcome').$type<JoinOutcome>().notNull().default('pending'),
    /** A stable, translatable reason key (e.g. `single_code_increased`, `several_codes_increased`). */
    reason: text('reason'),
    code: text('code'),
    inviterId: snowflake('inviter_id'),
    candidates: jsonb('candidates').$type<JoinCandidate[]>(),
    /** The code was excluded when the join was decided: no log, DM or XP. */
    excluded: boolean('excluded').notNull().default(false),
    xpAwarded: integer('xp_awarded').notNull().default(0),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    /** When the gateway received GUILD_MEMBER_ADD (its clock): the engine's timing facts. */
    receivedAt: timestamp('received_at', { withTimezone: true }),
    /** Set when a later fact changed the decision (see join_revisions): shown as "corrected". */
    revisedAt: timestamp('revised_at', { withTimezone: true }),
    leftAt: timestamp('left_at', { withTimezone: true }),
    /** Whether the account had an avatar when it joined (null: not known, e.g. joined during downtime). */
    hasAvatar: boolean('has_avatar'),
    /** The fake-account flags that applied when the join was decided (only the guild's enabled ones). */
    fakeFlags: jsonb('fake_flags').$type<FakeFlag[]>().notNull().default([]),
    /** Counted as fake (flags under the guild's ANY/ALL mode), unless an admin cleared it. */
    fake: boolean('fake').notNull().default(false),
    rewardStatus: text('reward_status').$type<RewardStatus>(),
    /** When a pending reward's minimum stay is over (the durable timer). */
    rewardDueAt: timestamp('reward_due_at', { withTimezone: true }),
    /** When the member was first seen with the guild's required role during this membership. */
    roleSeenAt: timestamp('role_seen_at', { withTimezone: true }),
    /** Set when an admin assigned the code/inviter of an undecided join in the dashboard. */
    resolvedBy: snowflake('resolved_by'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('member_joins_guild_member_joined_uq').on(t.guildId, t.memberId, t.joinedAt),
    index('member_joins_guild_joined_idx').on(t.guildId, t.joinedAt.desc(), t.id.desc()),
    // The join history filters by outcome, inviter or code and pages newest first by (joined_at, id):
    // each filter's index ends in that order, so a page is an index range scan at any depth. The
    // inviter and code indexes also serve the gateway's per-inviter recompute and per-code lookups.
    index('member_joins_guild_outcome_joined_idx').on(
      t.guildId,
      t.outcome,
      t.joinedAt.desc(),
      t.id.desc(),
    ),
    index('member_joins_guild_inviter_joined_idx').on(
      t.guildId,
      t.inviterId,
      t.joinedAt.desc(),
      t.id.desc(),
    ),
    index('member_joins_guild_code_joined_idx').on(
      t.guildId,
      t.code,
      t.joinedAt.desc(),
      t.id.desc(),
    ),
    // "left" filter of the join history: only the rows of members who left.
    index('member_joins_guild_left_joined_idx')
      .on(t.guildId, t.joinedAt.desc(), t.id.desc())
      .where(sql`${t.leftAt} is not null`),
    index('member_joins_pending_idx')
      .on(t.guildId)
      .where(sql`${t.outcome} = 'pending'`),
    // The reward timer's scan: only pending rewards, by due time.
    index('member_joins_reward_due_idx')
      .on(t.rewardDueAt)
      .where(sql`${t.rewardStatus} = 'pending'`),
    // History filters "fake" and "pending reward".
    index('member_joins_guild_fake_joined_idx')
      .on(t.guildId, t.joinedAt.desc(), t.id.desc())
      .where(sql`${t.fake}`),
    index('member_joins_guild_reward_pending_joined_idx')
      .on(t.guildId, t.joinedAt.desc(), t.id.desc())
      .where(sql`${t.rewardStatus} = 'pending'`),
    check('member_joins_outcome', inList(t.outcome, JOIN_OUTCOMES)),
    check(
      'member_joins_reward_status',
      sql`${t.rewardStatus} is null or ${inList(t.rewardStatus, REWARD_STATUSES)}`,
    ),
  ],
);

/** One XP award per guild, code and member: the primary key makes the award once-only under replays and races. */
export const inviteRewards = pgTable(
  'invite_rewards',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    code: text('code').notNull(),
    memberId: snowflake('member_id').notNull(),
    inviterId: snowflake('inviter_id').notNull(),
    joinId: bigint('join_id', { mode: 'number' }).references(() => memberJoins.id, {
      onDelete: 'set null',
    }),
    xp: integer('xp').notNull(),
    /** Taken back by a revision (the row stays: the award is still once-only; a re-award clears it). */
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.code, t.memberId] }),
    index('invite_rewards_guild_inviter_idx').on(t.guildId, t.inviterId),
  ],
);

export type RevisedDecision = {
  outcome: JoinOutcome;
  reason: string | null;
  code: string | null;
  inviterId: string | null;
  candidates: JoinCandidate[] | null;
};

/**
 * Every change of a decided join, with what it was, what it became, why and when. Nothing is deleted:
 * the dashboard shows the join as corrected with this trail.
 */
export const joinRevisions = pgTable(
  'join_revisions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    joinId: bigint('join_id', { mode: 'number' })
      .notNull()
      .references(() => memberJoins.id, { onDelete: 'cascade' }),
    previous: jsonb('previous').$type<RevisedDecision>().notNull(),
    next: jsonb('next').$type<RevisedDecision>().notNull(),
    /** The engine's cause key (late_event, increment_lag, later_fetch, audit_log, missed_join). */
    cause: text('cause').notNull(),
    /** XP moved by the revision: negative when taken back, positive when (re-)awarded. */
    xpChange: integer('xp_change').notNull().default(0),
    revisedAt: timestamp('revised_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('join_revisions_join_idx').on(t.joinId, t.revisedAt),
    index('join_revisions_guild_idx').on(t.guildId, t.revisedAt.desc()),
  ],
);

/** XP balance per guild member. */
export const memberXp = pgTable(
  'member_xp',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    userId: snowflake('user_id').notNull(),
    xp: integer('xp').notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId] })],
);

/**
 * Per-inviter counters of the current season (see `seasons`; without a reset, all joins) behind the
 * leaderboard and every total shown, recomputed from `member_joins` (and `invite_bonus`)
 * in the transaction of every change to one of the inviter's joins, so the leaderboard is an index
 * range scan even with millions of joins; `rebuildInviterStats` rebuilds them from the records.
 * Only joins and bonus entries since the season's start count. `regular` = members still present whose join is attributed to the inviter and not waiting for its
 * reward; `fake` = those of them flagged fake; `pending` = present members waiting for the reward;
 * `leaves` = attributed joins that ended ("left"); `bonus` = the sum of invite_bonus;
 * `invites` = the total, regular + bonus − fake (what ranks and what `{count}` shows).
 */
export const inviterStats = pgTable(
  'inviter_stats',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    inviterId: snowflake('inviter_id').notNull(),
    invites: integer('invites').notNull().default(0),
    regular: integer('regular').notNull().default(0),
    leaves: integer('leaves').notNull().default(0),
    fake: integer('fake').notNull().default(0),
    bonus: integer('bonus').notNull().default(0),
    pending: integer('pending').notNull().default(0),
    joins: integer('joins').notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.inviterId] }),
    index('inviter_stats_rank_idx').on(t.guildId, t.invites.desc(), t.inviterId),
  ],
);

/** Leaderboard periods kept as counters besides the season's (`inviter_stats`): all time and the rolling windows. */
export const STAT_PERIODS = ['all', '7d', '30d'] as const;
export type StatPeriod = (typeof STAT_PERIODS)[number];

/**
 * The counters of `inviter_stats` for other periods, same columns and meaning, counting only joins
 * (and bonus entries) inside the period: `all` (no bound), `7d` and `30d` (from the start of the
 * UTC day 6 or 29 days ago, see `period_windows`). Recomputed per inviter with `inviter_stats`, so a
 * period leaderboard is an index range scan like the season's.
 */
export const inviterPeriodStats = pgTable(
  'inviter_period_stats',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    period: text('period').$type<StatPeriod>().notNull(),
    inviterId: snowflake('inviter_id').notNull(),
    invites: integer('invites').notNull().default(0),
    regular: integer('regular').notNull().default(0),
    leaves: integer('leaves').notNull().default(0),
    fake: integer('fake').notNull().default(0),
    bonus: integer('bonus').notNull().default(0),
    pending: integer('pending').notNull().default(0),
    joins: integer('joins').notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.period, t.inviterId] }),
    index('inviter_period_stats_rank_idx').on(t.guildId, t.period, t.invites.desc(), t.inviterId),
    check('inviter_period_stats_period', inList(t.period, STAT_PERIODS)),
  ],
);

/**
 * Which window a guild's rolling-period counters were computed for. When the UTC day changes the
 * window moves: the first reader rebuilds that period's counters for the new window (under this
 * row's lock, which every per-inviter recompute shares, so no recompute writes an old window).
 */
export const periodWindows = pgTable(
  'period_windows',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    period: text('period').$type<StatPeriod>().notNull(),
    since: timestamp('since', { withTimezone: true }).notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.period] })],
);

/**
 * Seasons: a reset starts a new one (the counters in `inviter_stats` then count only joins and
 * bonus entries from `started_at`); nothing is deleted. A restore marks the newest season
 * `undone_at`, which makes the one before current again: its counters are recomputed from the
 * records, so they are exactly what they were (plus whatever happened since). A guild without
 * seasons is in its first season, which started with the records.
 */
export const seasons = pgTable(
  'seasons',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    /** The reset also started XP from zero (a baseline per member in `season_xp`). */
    xpReset: boolean('xp_reset').notNull(),
    startedBy: snowflake('started_by'),
    undoneAt: timestamp('undone_at', { withTimezone: true }),
    undoneBy: snowflake('undone_by'),
  },
  (t) => [
    index('seasons_guild_started_idx')
      .on(t.guildId, t.startedAt.desc())
      .where(sql`${t.undoneAt} is null`),
  ],
);

/**
 * XP baselines of a season that reset XP: each member's XP when it began. The XP shown is the
 * balance minus the current season's baseline; `member_xp` itself is never lowered, so a restore
 * (the season undone) shows the old balance again.
 */
export const seasonXp = pgTable(
  'season_xp',
  {
    seasonId: bigint('season_id', { mode: 'number' })
      .notNull()
      .references(() => seasons.id, { onDelete: 'cascade' }),
    userId: snowflake('user_id').notNull(),
    xp: integer('xp').notNull(),
  },
  (t) => [primaryKey({ columns: [t.seasonId, t.userId] })],
);

/**
 * Bonus invites an admin gave (or took, negative) an inviter, with a reason: `/invites bonus` or the
 * dashboard; summed into inviter_stats.bonus. `request_id` (the interaction id, or the dashboard
 * form's one-time id) makes a replayed command or a form posted twice add nothing.
 */
export const inviteBonus = pgTable(
  'invite_bonus',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    inviterId: snowflake('inviter_id').notNull(),
    amount: integer('amount').notNull(),
    reason: text('reason'),
    createdBy: snowflake('created_by'),
    requestId: text('request_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('invite_bonus_guild_inviter_idx').on(t.guildId, t.inviterId),
    uniqueIndex('invite_bonus_request_uq').on(t.guildId, t.requestId),
  ],
);

/** Reward role tiers: at `invites` (the inviter's total) the member gets `role_id`. */
export const rewardTiers = pgTable(
  'reward_tiers',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    roleId: snowflake('role_id').notNull(),
    invites: integer('invites').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.roleId] }),
    uniqueIndex('reward_tiers_guild_invites_uq').on(t.guildId, t.invites),
    check('reward_tiers_invites_range', sql`${t.invites} between 1 and 1000000`),
  ],
);

/**
 * The reward roles the bot gave (or is giving) each member: the state the tiers call for. Every
 * counter change compares the tiers' answer with these rows in its transaction and queues one
 * outbox row per difference, so a replayed or repeated change queues nothing.
 */
export const rewardRoleGrants = pgTable(
  'reward_role_grants',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    userId: snowflake('user_id').notNull(),
    roleId: snowflake('role_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.userId, t.roleId] })],
);

/** "Sync roles": the gateway re-applies the tiers to every inviter of a guild, in pages after `cursor`. */
export const roleSyncJobs = pgTable(
  'role_sync_jobs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    status: text('status').$type<RoleSyncStatus>().notNull().default('running'),
    /** Inviters to go through (counted when the job starts) and how many are done. */
    total: integer('total').notNull().default(0),
    done: integer('done').notNull().default(0),
    /** Role changes the job queued. */
    queued: integer('queued').notNull().default(0),
    /** The last inviter id done (pages go in id order). */
    cursor: snowflake('cursor'),
    requestedBy: snowflake('requested_by'),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('role_sync_jobs_guild_idx').on(t.guildId, t.id.desc()),
    index('role_sync_jobs_running_idx')
      .on(t.id)
      .where(sql`${t.status} = 'running'`),
    check('role_sync_jobs_status', inList(t.status, ROLE_SYNC_STATUSES)),
  ],
);

/** Personal invite links (`/invites link`): the bot created the invite, joins through it credit the owner. */
export const personalLinks = pgTable(
  'personal_links',
  {
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    code: text('code').notNull(),
    ownerId: snowflake('owner_id').notNull(),
    channelId: snowflake('channel_id').notNull(),
    maxAge: integer('max_age').notNull().default(0),
    maxUses: integer('max_uses').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.code] }),
    index('personal_links_guild_owner_idx').on(t.guildId, t.ownerId, t.createdAt.desc()),
  ],
);

/** Messages to send after the transaction that decided them commits (log channel posts and inviter DMs). */
export const outbox = pgTable(
  'outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    joinId: bigint('join_id', { mode: 'number' }).references(() => memberJoins.id, {
      onDelete: 'cascade',
    }),
    kind: text('kind').$type<OutboxKind>().notNull(),
    /** Channel id for `log`, user id for `dm`. */
    targetId: snowflake('target_id').notNull(),
    /** The message body as sent to Discord (content + allowed_mentions). */
    body: jsonb('body').$type<Record<string, unknown>>().notNull(),
    /** Sent as Discord's `nonce` with `enforce_nonce`, so a retried POST does not post twice. */
    nonce: text('nonce').notNull(),
    /** Set when log lines were combined into one message (join bursts): a retry resends that same message. */
    groupNonce: text('group_nonce'),
    status: text('status').$type<OutboxStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    messageId: snowflake('message_id'),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('outbox_nonce_uq').on(t.nonce),
    index('outbox_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
    index('outbox_join_idx').on(t.joinId),
    check('outbox_kind', inList(t.kind, OUTBOX_KINDS)),
    check('outbox_status', inList(t.status, OUTBOX_STATUSES)),
  ],
);

/** Gateway session per shard, so a restarted process can RESUME and Discord replays what it missed. */
export const gatewaySessions = pgTable('gateway_sessions', {
  shardId: integer('shard_id').primaryKey(),
  shardCount: integer('shard_count').notNull(),
  sessionId: text('session_id').notNull(),
  resumeUrl: text('resume_url').notNull(),
  sequence: bigint('sequence', { mode: 'number' }).notNull(),
  updatedAt: updatedAt(),
});

/**
 * The user directory: Discord users we know (dashboard logins, inviters, members), filled from every
 * payload that carries a user object, so pages show names and avatars without REST calls.
 * `updated_at` is when the profile was last read from Discord. The prefix indexes serve the
 * history's search by name (`lower(name) like 'abc%'`).
 */
export const users = pgTable(
  'users',
  {
    id: snowflake('id').primaryKey(),
    username: text('username').notNull(),
    globalName: text('global_name'),
    /** Discord's avatar hash (CDN path part), null for the default avatar. */
    avatar: text('avatar'),
    bot: boolean('bot').notNull().default(false),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('users_username_prefix_idx').using('btree', sql`lower(${t.username}) text_pattern_ops`),
    index('users_global_name_prefix_idx').using(
      'btree',
      sql`lower(${t.globalName}) text_pattern_ops`,
    ),
  ],
);

/** Dashboard sessions in Lucia's pattern: the cookie holds `id.secret`, only SHA-256(secret) is stored. */
export const authSessions = pgTable(
  'auth_sessions',
  {
    id: text('id').primaryKey(),
    userId: snowflake('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    secretHash: bytea('secret_hash').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /**
     * The user's Discord OAuth access token (scopes identify + guilds), AES-256-GCM encrypted with a
     * key derived from SESSION_SECRET and bound to this session id; used to re-check the user's guild
     * permissions. Never sent to the browser.
     */
    discordToken: bytea('discord_token'),
    /** When Discord's access token expires: the session ends then and the user logs in again. */
    discordTokenExpiresAt: timestamp('discord_token_expires_at', { withTimezone: true }),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

export const AUDIT_ACTIONS = [
  'settings.update',
  'code.exclude',
  'code.include',
  'join.resolve',
  'join.clear_fake',
  'settings.test',
  'tiers.update',
  'roles.sync',
  'bonus.add',
  'season.reset',
  'season.restore',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What admins changed in the dashboard: who, when, what (settings, excluded codes, resolved joins). */
export const dashboardAudit = pgTable(
  'dashboard_audit',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    guildId: snowflake('guild_id')
      .notNull()
      .references(() => guilds.id, { onDelete: 'cascade' }),
    actorId: snowflake('actor_id').notNull(),
    action: text('action').$type<AuditAction>().notNull(),
    /** The change itself, e.g. `{ "xpPerInvite": { "from": 50, "to": 80 } }` or `{ "code": "abc" }`. */
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('dashboard_audit_guild_created_idx').on(t.guildId, t.createdAt.desc(), t.id.desc()),
    check('dashboard_audit_action', inList(t.action, AUDIT_ACTIONS)),
  ],
);
