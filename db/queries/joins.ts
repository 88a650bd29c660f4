/**
 * Recording joins, decisions and leaves. Every write is idempotent: a replayed gateway event or a
 * retried transaction changes nothing that is already decided.
 */
import { and, desc, eq, gte, isNull, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { queryRows, type Db } from '../client';
import {
  guilds,
  invites,
  inviterStats,
  memberJoins,
  type JoinCandidate,
  type JoinOutcome,
} from '../schema';
import { recomputeInviterStats } from './leaderboard';
import { awardInviteXp } from './rewards';

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
  /** The inviter's invite count after this join, when an inviter is known. */
  inviterInvites: number | null;
  /** The member already left again (the leave was recorded before the decision). */
  left: boolean;
};

/**
 * A member joining closes any earlier join of theirs that is still open: we missed the leave
 * (e.g. it happened while the bot was offline). Returns the inviters whose counts changed.
 */
async function closeEarlierJoins(db: Db, join: JoinIdentity): Promise<string[]> {
  const closed = await db
    .update(memberJoins)
    .set({ leftAt: join.joinedAt })
    .where(
      and(
        eq(memberJoins.guildId, join.guildId),
        eq(memberJoins.memberId, join.memberId),
        isNull(memberJoins.leftAt),
        lt(memberJoins.joinedAt, join.joinedAt),
      ),
    )
    .returning({ inviterId: memberJoins.inviterId });
  return [...new Set(closed.map((r) => r.inviterId).filter((id): id is string => id !== null))];
}

/** Records a join as `pending` on receipt, so it survives a crash before it is decided. */
export async function recordPendingJoin(
  db: Db,
  join: JoinIdentity & { memberBot: boolean; receivedAt?: Date },
): Promise<{ joinId: number; outcome: JoinOutcome }> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(memberJoins)
      .values({ ...join, outcome: 'pending' })
      .onConflictDoNothing()
      .returning({ id: memberJoins.id, outcome: memberJoins.outcome });
    if (inserted[0]) {
      for (const inviterId of await closeEarlierJoins(tx, join)) {
        await recomputeInviterStats(tx, join.guildId, inviterId);
      }
      return { joinId: inserted[0].id, outcome: inserted[0].outcome };
    }
    const [existing] = await tx
      .select({ id: memberJoins.id, outcome: memberJoins.outcome })
      .from(memberJoins)
      .where(
        and(
          eq(memberJoins.guildId, join.guildId),
          eq(memberJoins.memberId, join.memberId),
          eq(memberJoins.joinedAt, join.joinedAt),
        ),
      );
    return { joinId: existing!.id, outcome: existing!.outcome };
  });
}

/**
 * Stores a decision and its XP in the caller's transaction. XP goes to the inviter of an exact join
 * when the code is not excluded, the member is not the inviter, and the member never joined through
 * this code before; invite_rewards' key keeps it once-only even under races.
 */
export async function applyDecision(
  db: Db,
  decision: JoinDecision,
  options: { xpPerInvite: number; excluded: boolean },
): Promise<AppliedDecision> {
  const { guildId, memberId, joinedAt } = decision;
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
    .returning({ id: memberJoins.id, leftAt: memberJoins.leftAt });
  if (!row) {
    const [existing] = await db
      .select({ id: memberJoins.id, xp: memberJoins.xpAwarded, leftAt: memberJoins.leftAt })
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
      xpAwarded: existing!.xp,
      inviterInvites: null,
      left: existing!.leftAt !== null,
    };
  }

  const touched = new Set(await closeEarlierJoins(db, decision));
  let xpAwarded = 0;
  const { code, inviterId } = decision;
  if (
    decision.outcome === 'exact' &&
    code !== null &&
    inviterId !== null &&
    inviterId !== memberId &&
    !options.excluded &&
    options.xpPerInvite > 0 &&
    !(await joinedThroughCodeBefore(db, decision, row.id))
  ) {
    const awarded = await awardInviteXp(db, {
      guildId,
      code,
      memberId,
      inviterId,
      joinId: row.id,
      xp: options.xpPerInvite,
    });
    if (awarded) {
      xpAwarded = options.xpPerInvite;
      await db.update(memberJoins).set({ xpAwarded }).where(eq(memberJoins.id, row.id));
    }
  }
  let inviterInvites: number | null = null;
  if (inviterId !== null) touched.add(inviterId);
  for (const id of touched) await recomputeInviterStats(db, guildId, id);
  if (inviterId !== null) {
    const [stats] = await db
      .select({ invites: inviterStats.invites })
      .from(inviterStats)
      .where(and(eq(inviterStats.guildId, guildId), eq(inviterStats.inviterId, inviterId)));
    inviterInvites = stats?.invites ?? 0;
  }
  return { joinId: row.id, applied: true, xpAwarded, inviterInvites, left: row.leftAt !== null };
}

async function joinedThroughCodeBefore(db: Db, join: JoinDecision, joinId: number) {
  const [earlier] = await db
    .select({ id: memberJoins.id })
    .from(memberJoins)
    .where(
      and(
        eq(memberJoins.guildId, join.guildId),
        eq(memberJoins.memberId, join.memberId),
        eq(memberJoins.code, join.code!),
        ne(memberJoins.id, joinId),
        lt(memberJoins.joinedAt, join.joinedAt),
      ),
    )
    .limit(1);
  return earlier !== undefined;
}

/** GUILD_MEMBER_REMOVE: closes the member's open join. Returns whether one was open. */
export async function recordLeave(
  db: Db,
  guildId: string,
  memberId: string,
  at: Date,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const closed = await tx
      .update(memberJoins)
      .set({ leftAt: at })
      .where(
        and(
          eq(memberJoins.guildId, guildId),
          eq(memberJoins.memberId, memberId),
          isNull(memberJoins.leftAt),
        ),
      )
      .returning({ inviterId: memberJoins.inviterId });
    const inviters = new Set(closed.map((r) => r.inviterId).filter((id) => id !== null));
    for (const inviterId of inviters) await recomputeInviterStats(tx, guildId, inviterId);
    return closed.length > 0;
  });
}

/** SQL condition: the row's guild lives on one of these shards (`(guild_id >> 22) % shard_count`). */
export function onShards(
  column: AnyPgColumn,
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
      !(await joinedThroughCodeBefore(
        tx,
        { ...decision, memberBot: join.memberBot, outcome: 'exact', reason: '', candidates: null },
        join.id,
      ))
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
