/**
 * Recording joins, decisions and leaves. Every write is idempotent: a replayed gateway event or a
 * retried transaction changes nothing that is already decided.
 */
import { and, desc, eq, gte, isNull, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { queryRows, type Db } from '../client';
import {
  guilds,
  inviteRewards,
  invites,
  memberJoins,
  memberXp,
  type FakeFlag,
  type JoinCandidate,
  type JoinOutcome,
  type RewardStatus,
} from '../schema';
import {
  assessFake,
  rewardDueAt,
  rewardReleasable,
  rewardWaits,
  takesBackXp,
} from '../shared/fair-play';
import { inviterCounts, recomputeInviterStats, type InviterCounts } from './leaderboard';
import { requeueHeldRoles } from './reward-roles';
import { awardInviteXp } from './rewards';
import { DEFAULT_FAIR_PLAY, type FairPlaySettings } from './settings';

export type JoinIdentity = { guildId: string; memberId: string; joinedAt: Date };

export type JoinDecision = JoinIdentity & {
  memberBot: boolean;
  outcome: Exclude<JoinOutcome, 'pending'>;
  reason: string;
  code: string | null;
  inviterId: string | null;
  candidates: JoinCandidate[] | null;
};

export type AppliedDecision = {
  joinId: number;
  /** False when the join was already decided (a replay): nothing was changed. */
  applied: boolean;
  xpAwarded: number;
  /** The inviter's counters after this join, when an inviter is known. */
  counts: InviterCounts | null;
  /** The member already left again (the leave was recorded before the decision). */
  left: boolean;
  fakeFlags: FakeFlag[];
  fake: boolean;
  rewardStatus: RewardStatus | null;
};

export type DecisionOptions = {
  xpPerInvite: number;
  excluded: boolean;
  /** The guild's fair-play settings (default: the defaults, as for a guild that never set them). */
  fairPlay?: FairPlaySettings;
  /** The deciding process's clock (the reward is released at once when nothing makes it wait). */
  now?: Date;
  /**
   * Collects the inviters whose counters the decision changed instead of recounting them now: the
   * caller recounts each once after many decisions (a burst through one link would recount its
   * inviter once per join). `counts` then comes back null.
   */
  recountLater?: Set<string>;
};

/**
 * A member joining closes any earlier join of theirs that is still open: we missed the leave
 * (e.g. it happened while the bot was offline). An open join ends at the member's first join after
 * it among `joins` (so a member twice in a batch ends up as if joined one after the other). Returns
 * the inviters whose counts changed.
 */
async function closeEarlierJoins(
  db: Db,
  guildId: string,
  joins: readonly { memberId: string; joinedAt: Date }[],
): Promise<string[]> {
  const later = sql.join(
    joins.map((j) => sql`(${j.memberId}::bigint, ${j.joinedAt.toISOString()}::timestamptz)`),
    sql`, `,
  );
  const closed = await queryRows<{ inviter_id: string | bigint | null }>(
    db,
    sql`update ${memberJoins} m set left_at = c.left_at
      from (
        select o.id, min(l.joined_at) as left_at
        from ${memberJoins} o
        join (values ${later}) as l(member_id, joined_at)
          on o.member_id = l.member_id and o.joined_at < l.joined_at
        where o.guild_id = ${guildId} and o.left_at is null
        group by o.id
      ) c
      where m.id = c.id
      returning m.inviter_id`,
  );
  return [...new Set(closed.map((r) => r.inviter_id).filter((id) => id !== null)).values()].map(
    String,
  );
}

export type PendingJoinRecord = JoinIdentity & {
  memberBot: boolean;
  receivedAt?: Date;
  hasAvatar?: boolean | null;
};

/** Records a join as `pending` on receipt, so it survives a crash before it is decided. */
export async function recordPendingJoin(
  db: Db,
  join: PendingJoinRecord,
): Promise<{ joinId: number; outcome: JoinOutcome }> {
  return db.transaction(async (tx) => {
    await recordPendingJoins(tx, join.guildId, [join]);
    const [row] = await tx
      .select({ id: memberJoins.id, outcome: memberJoins.outcome })
      .from(memberJoins)
      .where(
        and(
          eq(memberJoins.guildId, join.guildId),
          eq(memberJoins.memberId, join.memberId),
          eq(memberJoins.joinedAt, join.joinedAt),
        ),
      );
    return { joinId: row!.id, outcome: row!.outcome };
  });
}

/**
 * Records one guild's joins as `pending`, in one transaction (a join burst is a handful of writes,
 * not one per join). A join already recorded (a replay) changes nothing. Each new join closes its
 * member's earlier open joins at its own time, and an inviter back in the server is given the
 * reward roles on record again.
 */
export async function recordPendingJoins(
  db: Db,
  guildId: string,
  joins: readonly PendingJoinRecord[],
): Promise<void> {
  if (joins.length === 0) return;
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(memberJoins)
      .values(joins.map((join) => ({ ...join, guildId, outcome: 'pending' as const })))
      .onConflictDoNothing()
      .returning({ memberId: memberJoins.memberId, joinedAt: memberJoins.joinedAt });
    if (inserted.length === 0) return;
    for (const inviterId of await closeEarlierJoins(tx, guildId, inserted)) {
      await recomputeInviterStats(tx, guildId, inviterId);
    }
    await requeueHeldRoles(tx, guildId, [...new Set(inserted.map((j) => j.memberId))]);
  });
}

/**
 * Stores a decision and its XP in the caller's transaction. Fair play decides first: the guild's
 * enabled fake-account flags are checked (a fake join earns nothing and is counted as fake), then
 * the reward either waits (minimum stay, required role: `pending`, released by the reward timer or
 * the role) or is released at once. XP goes to the inviter of an exact join when the code is not
 * excluded, the member is not the inviter, and the member never joined through this code before;
 * invite_rewards' key keeps it once-only even under races.
 */
export async function applyDecision(
  db: Db,
  decision: JoinDecision,
  options: DecisionOptions,
): Promise<AppliedDecision> {
  const { guildId, memberId, joinedAt } = decision;
  const fairPlay = options.fairPlay ?? DEFAULT_FAIR_PLAY;
  const values = {
    guildId,
    memberId,
    joinedAt,
    memberBot: decision.memberBot,
    outcome: decision.outcome,
    reason: decision.reason,
    code: decision.code,
    inviterId: decision.inviterId,
    candidates: decision.candidates,
    excluded: options.excluded,
    decidedAt: sql`now()`,
  };
  const [row] = await db
    .insert(memberJoins)
    .values(values)
    .onConflictDoUpdate({
      target: [memberJoins.guildId, memberJoins.memberId, memberJoins.joinedAt],
      set: { ...values, memberBot: sql`excluded.member_bot` },
      setWhere: eq(memberJoins.outcome, 'pending'),
    })
    .returning({
      id: memberJoins.id,
      leftAt: memberJoins.leftAt,
      hasAvatar: memberJoins.hasAvatar,
      roleSeenAt: memberJoins.roleSeenAt,
      // New here rather than a pending row decided (Postgres: a fresh row has no deleting xact).
      inserted: sql<boolean>`xmax = 0`,
    });
  if (!row) {
    const [existing] = await db
      .select()
      .from(memberJoins)
      .where(
        and(
          eq(memberJoins.guildId, guildId),
          eq(memberJoins.memberId, memberId),
          eq(memberJoins.joinedAt, joinedAt),
        ),
      );
    return {
      joinId: existing!.id,
      applied: false,
      xpAwarded: existing!.xpAwarded,
      counts: null,
      left: existing!.leftAt !== null,
      fakeFlags: existing!.fakeFlags,
      fake: existing!.fake,
      rewardStatus: existing!.rewardStatus,
    };
  }

  // A pending row closed the member's earlier joins when it was recorded.
  const touched = new Set(row.inserted ? await closeEarlierJoins(db, guildId, [decision]) : []);
  const { code, inviterId } = decision;
  const { flags, fake } = decision.memberBot
    ? { flags: [], fake: false }
    : assessFake(
        {
          memberId,
          joinedAt,
          hasAvatar: row.hasAvatar,
          joinedBefore:
            fairPlay.fakeRejoin &&
            (await joinedEarlier(db, { guildId, memberId, joinedAt }, row.id)),
          inviterId,
        },
        fairPlay,
      );
  // The join counts for its inviter (and may earn a reward) only when exact, not fake, not a self-invite.
  const qualifies =
    decision.outcome === 'exact' && inviterId !== null && inviterId !== memberId && !fake;
  let rewardStatus: RewardStatus | null = null;
  let dueAt: Date | null = null;
  let xpAwarded = 0;
  if (qualifies) {
    const waits = rewardWaits(fairPlay);
    dueAt = waits ? rewardDueAt(joinedAt, fairPlay) : null;
    const releasable =
      !waits ||
      rewardReleasable(
        { rewardDueAt: dueAt, roleSeenAt: row.roleSeenAt, leftAt: row.leftAt },
        fairPlay,
        options.now ?? new Date(),
      );
    if (waits && row.leftAt !== null) rewardStatus = 'forfeited';
    else if (!releasable) rewardStatus = 'pending';
    else {
      rewardStatus = 'released';
      xpAwarded = await rewardInviter(db, {
        joinId: row.id,
        guildId,
        memberId,
        joinedAt,
        code,
        inviterId,
        excluded: options.excluded,
        xpPerInvite: options.xpPerInvite,
      });
    }
  }
  // The row holds the defaults until now: write only what differs (most joins of a raid: nothing).
  if (flags.length > 0 || fake || rewardStatus !== null || dueAt !== null || xpAwarded !== 0) {
    await db
      .update(memberJoins)
      .set({ fakeFlags: flags, fake, rewardStatus, rewardDueAt: dueAt, xpAwarded })
      .where(eq(memberJoins.id, row.id));
  }
  if (inviterId !== null) touched.add(inviterId);
  const later = options.recountLater;
  for (const id of touched) {
    if (later) later.add(id);
    else await recomputeInviterStats(db, guildId, id);
  }
  const counts = inviterId !== null && !later ? await inviterCounts(db, guildId, inviterId) : null;
  return {
    joinId: row.id,
    applied: true,
    xpAwarded,
    counts,
    left: row.leftAt !== null,
    fakeFlags: flags,
    fake,
    rewardStatus,
  };
}

/**
 * Gives the inviter the join's XP if the once-only rules allow it (a code, not excluded, XP on,
 * never joined through this code before). Returns the XP given (0 when none).
 */
export async function rewardInviter(
  db: Db,
  join: {
    joinId: number;
    guildId: string;
    memberId: string;
    joinedAt: Date;
    code: string | null;
    inviterId: string;
    excluded: boolean;
    xpPerInvite: number;
  },
): Promise<number> {
  if (join.code === null || join.excluded || join.xpPerInvite <= 0) return 0;
  if (join.inviterId === join.memberId) return 0;
  const earlier = await joinedEarlier(
    db,
    { guildId: join.guildId, memberId: join.memberId, joinedAt: join.joinedAt, code: join.code },
    join.joinId,
  );
  if (earlier) return 0;
  const awarded = await awardInviteXp(db, {
    guildId: join.guildId,
    code: join.code,
    memberId: join.memberId,
    inviterId: join.inviterId,
    joinId: join.joinId,
    xp: join.xpPerInvite,
  });
  return awarded ? join.xpPerInvite : 0;
}

/**
 * The member joined this guild before this join: through `code` when given (the once-per-code XP
 * rule), through anything otherwise (the rejoin flag).
 */
export async function joinedEarlier(
  db: Db,
  join: { guildId: string; memberId: string; joinedAt: Date; code?: string | null },
  joinId: number,
): Promise<boolean> {
  const [earlier] = await db
    .select({ id: memberJoins.id })
    .from(memberJoins)
    .where(
      and(
        eq(memberJoins.guildId, join.guildId),
        eq(memberJoins.memberId, join.memberId),
        join.code == null ? undefined : eq(memberJoins.code, join.code),
        ne(memberJoins.id, joinId),
        lt(memberJoins.joinedAt, join.joinedAt),
      ),
    )
    .limit(1);
  return earlier !== undefined;
}

export type RecordedLeave = {
  joinId: number;
  memberBot: boolean;
  inviterId: string | null;
  /** XP the inviter lost because the member left within the guild's take-back days. */
  xpTakenBack: number;
  /** A reward that was still waiting is forfeited. */
  forfeited: boolean;
};

/**
 * GUILD_MEMBER_REMOVE: closes the member's open join (a replayed event finds none and changes
 * nothing). A reward still waiting is forfeited; a reward paid is taken back when the guild says so
 * and the member stayed fewer than its days (the invite_rewards row stays revoked, so a rejoin
 * through the same code never earns again). Returns the closed join, or null when none was open.
 */
export async function recordLeave(
  db: Db,
  guildId: string,
  memberId: string,
  at: Date,
  options: { xpTakeBackDays?: number } = {},
): Promise<RecordedLeave | null> {
  return db.transaction(async (tx) => {
    const closed = await tx
      .update(memberJoins)
      .set({
        leftAt: at,
        rewardStatus: sql`case when ${memberJoins.rewardStatus} = 'pending' then 'forfeited'
                          else ${memberJoins.rewardStatus} end`,
      })
      .where(
        and(
          eq(memberJoins.guildId, guildId),
          eq(memberJoins.memberId, memberId),
          isNull(memberJoins.leftAt),
        ),
      )
      .returning();
    if (closed.length === 0) return null;
    // One open join per member; the latest if a missed leave left several.
    const join = closed.reduce((a, b) => (a.joinedAt >= b.joinedAt ? a : b));
    let xpTakenBack = 0;
    if (takesBackXp(join.joinedAt, at, options.xpTakeBackDays ?? 0)) {
      xpTakenBack = await revokeReward(tx, guildId, join.id);
      if (xpTakenBack > 0) {
        await tx
          .update(memberJoins)
          .set({ xpAwarded: 0, rewardStatus: 'forfeited' })
          .where(eq(memberJoins.id, join.id));
      }
    }
    const inviters = new Set(closed.map((r) => r.inviterId).filter((id) => id !== null));
    for (const inviterId of inviters) await recomputeInviterStats(tx, guildId, inviterId);
    return {
      joinId: join.id,
      memberBot: join.memberBot,
      inviterId: join.inviterId,
      xpTakenBack,
      forfeited: closed.some((r) => r.rewardStatus === 'forfeited' && r.xpAwarded === 0),
    };
  });
}

/** Takes a join's paid reward back (the row stays, revoked). Returns the XP taken. */
async function revokeReward(db: Db, guildId: string, joinId: number): Promise<number> {
  const revoked = await db
    .update(inviteRewards)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(inviteRewards.joinId, joinId), isNull(inviteRewards.revokedAt)))
    .returning({ inviterId: inviteRewards.inviterId, xp: inviteRewards.xp });
  let taken = 0;
  for (const reward of revoked) {
    await db
      .update(memberXp)
      .set({ xp: sql`${memberXp.xp} - ${reward.xp}`, updatedAt: sql`now()` })
      .where(and(eq(memberXp.guildId, guildId), eq(memberXp.userId, reward.inviterId)));
    taken += reward.xp;
  }
  return taken;
}

/** SQL condition: the row's guild lives on one of these shards (`(guild_id >> 22) % shard_count`). */
export function onShards(
  column: AnyPgColumn | SQL,
  shardCount: number,
  shardIds: readonly number[],
): SQL {
  return sql`((${column} >> 22) % ${shardCount}) in (${sql.join(
    shardIds.map((id) => sql`${id}`),
    sql`, `,
  )})`;
}

/** Joins still waiting for a decision (after a restart they re-enter attribution). */
export async function pendingJoinsOnShards(
  db: Db,
  shardCount: number,
  shardIds: readonly number[],
) {
  return db
    .select({
      guildId: memberJoins.guildId,
      memberId: memberJoins.memberId,
      joinedAt: memberJoins.joinedAt,
      memberBot: memberJoins.memberBot,
      receivedAt: sql<Date>`coalesce(${memberJoins.receivedAt}, ${memberJoins.createdAt})`.mapWith(
        (v: string | Date) => new Date(v),
      ),
    })
    .from(memberJoins)
    .where(
      and(eq(memberJoins.outcome, 'pending'), onShards(memberJoins.guildId, shardCount, shardIds)),
    )
    .orderBy(memberJoins.createdAt, memberJoins.id);
}

/**
 * A guild's human joins received since `since` (epoch ms): the joins of an attribution episode the
 * gateway restores after a restart, decided ones with their decision.
 */
export async function episodeJoins(db: Db, guildId: string, since: number) {
  const received = sql<Date>`coalesce(${memberJoins.receivedAt}, ${memberJoins.createdAt})`;
  return db
    .select({
      memberId: memberJoins.memberId,
      joinedAt: memberJoins.joinedAt,
      receivedAt: received.mapWith((v: string | Date) => new Date(v)),
      outcome: memberJoins.outcome,
      reason: memberJoins.reason,
      code: memberJoins.code,
      inviterId: memberJoins.inviterId,
      candidates: memberJoins.candidates,
    })
    .from(memberJoins)
    .where(
      and(
        eq(memberJoins.guildId, guildId),
        // joined_at precedes receipt by the event delay: this bound keeps the scan on the index.
        gte(memberJoins.joinedAt, new Date(since - 60 * 60_000)),
        eq(memberJoins.memberBot, false),
        // A raw expression has no column type to encode a Date: the bound goes as text.
        sql`${received} >= ${new Date(since).toISOString()}::timestamptz`,
      ),
    )
    .orderBy(received, memberJoins.id);
}

/** Joins decided recently: a RESUME may replay their events, which must not enter attribution again. */
export async function joinsDecidedSince(
  db: Db,
  shardCount: number,
  shardIds: readonly number[],
  since: Date,
) {
  return db
    .select({
      guildId: memberJoins.guildId,
      memberId: memberJoins.memberId,
      joinedAt: memberJoins.joinedAt,
    })
    .from(memberJoins)
    .where(
      and(
        ne(memberJoins.outcome, 'pending'),
        gte(memberJoins.decidedAt, since),
        onShards(memberJoins.guildId, shardCount, shardIds),
      ),
    );
}

/** Which members of a guild have a join recorded at or after `since` (to find joins we missed). */
export async function joinsRecordedSince(db: Db, guildId: string, since: Date) {
  return db
    .select({ memberId: memberJoins.memberId, joinedAt: memberJoins.joinedAt })
    .from(memberJoins)
    .where(and(eq(memberJoins.guildId, guildId), gte(memberJoins.joinedAt, since)));
}

export class ResolveError extends Error {
  override name = 'ResolveError';
}

/** Outcomes an admin may resolve by hand: those that name no code. */
export const RESOLVABLE_OUTCOMES: readonly JoinOutcome[] = [
  'ambiguous',
  'unknown',
  'downtime',
  'no_permission',
];

/**
 * An admin assigns the code (and so the inviter) of an undecided join, or only the inviter when
 * the code is unknown. XP follows the same once-only rule as live attribution (only with a code).
 * The join becomes `exact` with reason `resolved_by_admin`, remembering who resolved it and when.
 */
export async function resolveJoin(
  db: Db,
  input: {
    guildId: string;
    joinId: number;
    code: string | null;
    inviterId: string;
    actorId: string;
    xpPerInvite: number;
    excluded: boolean;
  },
): Promise<{ xpAwarded: number }> {
  return db.transaction(async (tx) => {
    const [join] = await tx
      .select()
      .from(memberJoins)
      .where(and(eq(memberJoins.id, input.joinId), eq(memberJoins.guildId, input.guildId)))
      .for('update');
    if (!join) throw new ResolveError('join not found in this server');
    if (!RESOLVABLE_OUTCOMES.includes(join.outcome)) {
      throw new ResolveError(`a join with outcome "${join.outcome}" cannot be resolved`);
    }
    const previousInviter = join.inviterId;
    await tx
      .update(memberJoins)
      .set({
        outcome: 'exact',
        reason: 'resolved_by_admin',
        code: input.code,
        inviterId: input.inviterId,
        excluded: input.excluded,
        resolvedBy: input.actorId,
        resolvedAt: sql`now()`,
        decidedAt: sql`coalesce(${memberJoins.decidedAt}, now())`,
      })
      .where(eq(memberJoins.id, join.id));
    let xpAwarded = 0;
    const decision = { ...join, code: input.code, inviterId: input.inviterId };
    if (
      input.code !== null &&
      input.inviterId !== join.memberId &&
      !input.excluded &&
      input.xpPerInvite > 0 &&
      !(await joinedEarlier(tx, decision, join.id))
    ) {
      const awarded = await awardInviteXp(tx, {
        guildId: input.guildId,
        code: input.code,
        memberId: join.memberId,
        inviterId: input.inviterId,
        joinId: join.id,
        xp: input.xpPerInvite,
      });
      if (awarded) {
        xpAwarded = input.xpPerInvite;
        await tx.update(memberJoins).set({ xpAwarded }).where(eq(memberJoins.id, join.id));
      }
    }
    for (const inviter of new Set([previousInviter, input.inviterId])) {
      if (inviter) await recomputeInviterStats(tx, input.guildId, inviter);
    }
    return { xpAwarded };
  });
}

/**
 * Whether the stored data knows `userId` as a member or an inviter of this guild: its owner, the
 * creator of one of its invites (also deleted ones), the inviter of one of its joins, or a member
 * whose join is not marked left. An admin may credit only such a person with a join; each test is
 * an index lookup.
 */
export async function isMemberOrInviter(db: Db, guildId: string, userId: string): Promise<boolean> {
  const [row] = await queryRows<{ known: boolean }>(
    db,
    sql`select (
          exists (select 1 from ${guilds} where id = ${guildId} and owner_id = ${userId})
          or exists (select 1 from ${invites} where guild_id = ${guildId} and inviter_id = ${userId})
          or exists (select 1 from ${memberJoins}
                     where guild_id = ${guildId} and inviter_id = ${userId})
          or exists (select 1 from ${memberJoins}
                     where guild_id = ${guildId} and member_id = ${userId} and left_at is null)
        ) as known`,
  );
  return row?.known === true;
}

/** A member's most recent join in a guild (for "who invited X"), or null. */
export async function latestJoinOf(db: Db, guildId: string, memberId: string) {
  const [row] = await db
    .select()
    .from(memberJoins)
    .where(and(eq(memberJoins.guildId, guildId), eq(memberJoins.memberId, memberId)))
    .orderBy(desc(memberJoins.joinedAt))
    .limit(1);
  return row ?? null;
}
