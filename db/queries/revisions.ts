/**
 * Revisions: a decided join whose decision later facts changed (a GUILD_MEMBER_ADD that arrived late,
 * a use counted after its event). Applied in the caller's transaction: the join row takes the new
 * decision and is marked revised, the change is appended to `join_revisions` (nothing is deleted),
 * XP follows through the same once-only ledger (taken back, or awarded when the revision pins the
 * join), and the inviters' counters are recomputed.
 */
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import {
  inviteRewards,
  joinRevisions,
  memberJoins,
  memberXp,
  type FakeFlag,
  type JoinCandidate,
  type JoinOutcome,
  type RevisedDecision,
  type RewardStatus,
} from '../schema';
import { rewardDueAt, rewardReleasable, rewardWaits } from '../shared/fair-play';
import { inviterCounts, recomputeInviterStats, type InviterCounts } from './leaderboard';
import { awardInvitesXp, type InviteReward } from './rewards';
import { DEFAULT_FAIR_PLAY, type FairPlaySettings } from './settings';

export type RevisionInput = {
  guildId: string;
  memberId: string;
  joinedAt: Date;
  next: {
    outcome: Exclude<JoinOutcome, 'pending'>;
    reason: string;
    code: string | null;
    inviterId: string | null;
    candidates: JoinCandidate[] | null;
  };
  cause: string;
};

export type AppliedRevision = {
  joinId: number;
  /** False when there was nothing to change (a replay, or an admin's decision, which stands). */
  applied: boolean;
  previous: RevisedDecision | null;
  xpChange: number;
  xpAwarded: number;
  /** The new inviter's counters, when an inviter is named. */
  counts: InviterCounts | null;
  fakeFlags: FakeFlag[];
  fake: boolean;
};

const view = (row: {
  outcome: JoinOutcome;
  reason: string | null;
  code: string | null;
  inviterId: string | null;
  candidates: JoinCandidate[] | null;
}): RevisedDecision => ({
  outcome: row.outcome,
  reason: row.reason,
  code: row.code,
  inviterId: row.inviterId,
  candidates: row.candidates,
});

const sameDecision = (a: RevisedDecision, b: RevisedDecision) =>
  a.outcome === b.outcome &&
  a.reason === b.reason &&
  a.code === b.code &&
  a.inviterId === b.inviterId &&
  JSON.stringify(a.candidates ?? null) === JSON.stringify(b.candidates ?? null);

type RevisionOptions = {
  xpPerInvite: number;
  fairPlay?: FairPlaySettings;
  now?: Date;
};

/** One revision and whether its new code is excluded (no XP). */
export type GuildRevision = Omit<RevisionInput, 'guildId'> & { excluded: boolean };

/** One revision, its inviters recounted at once (`counts`: the new inviter's counters after it). */
export async function applyRevision(
  db: Db,
  revision: RevisionInput,
  options: RevisionOptions & { excluded: boolean },
): Promise<AppliedRevision> {
  const recount = new Set<string>();
  const [applied] = await applyRevisions(
    db,
    revision.guildId,
    [{ ...revision, excluded: options.excluded }],
    { ...options, recountLater: recount },
  );
  for (const inviter of recount) await recomputeInviterStats(db, revision.guildId, inviter);
  const { inviterId } = revision.next;
  const counts =
    applied!.applied && inviterId ? await inviterCounts(db, revision.guildId, inviterId) : null;
  return { ...applied!, counts };
}

/** Revisions per statement: a burst of corrections is a handful of statements, not ten per join. */
const REVISIONS_PER_ROUND = 500;

/**
 * A guild's revisions in order, in the caller's transaction, as if applied one at a time (the
 * property test compares both). Members are independent of each other here, so each round applies
 * at most one revision per member with a few set-wise statements; a member's second revision in the
 * same batch goes to the next round and sees the first. The inviters whose counters changed are
 * collected in `recountLater` for the caller to recount once; `counts` comes back null.
 */
export async function applyRevisions(
  db: Db,
  guildId: string,
  revisions: readonly GuildRevision[],
  options: RevisionOptions & { recountLater: Set<string> },
): Promise<AppliedRevision[]> {
  const results: AppliedRevision[] = [];
  const rounds: number[][] = [];
  const seen = new Map<string, number>();
  for (const [i, revision] of revisions.entries()) {
    const round = seen.get(revision.memberId) ?? 0;
    seen.set(revision.memberId, round + 1);
    (rounds[round] ??= []).push(i);
  }
  const logged: (typeof joinRevisions.$inferInsert | undefined)[] = [];
  for (const round of rounds) {
    for (let at = 0; at < round.length; at += REVISIONS_PER_ROUND) {
      const indexes = round.slice(at, at + REVISIONS_PER_ROUND);
      const applied = await applyRound(
        db,
        guildId,
        indexes.map((i) => revisions[i]!),
        options,
      );
      for (const [k, i] of indexes.entries()) {
        results[i] = applied[k]!.result;
        logged[i] = applied[k]!.logged;
      }
    }
  }
  // The revision log in the order the revisions came (one insert for the whole batch).
  const rows = logged.filter((row): row is typeof joinRevisions.$inferInsert => row !== undefined);
  if (rows.length > 0) await db.insert(joinRevisions).values(rows);
  return results;
}

/** Revisions of distinct members. */
async function applyRound(
  db: Db,
  guildId: string,
  revisions: readonly GuildRevision[],
  options: RevisionOptions & { recountLater: Set<string> },
): Promise<{ result: AppliedRevision; logged?: typeof joinRevisions.$inferInsert }[]> {
  const joins = await lockMembersJoins(db, guildId, revisions);
  const byKey = new Map(joins.map((row) => [joinKey(row), row]));
  const fairPlay = options.fairPlay ?? DEFAULT_FAIR_PLAY;
  const now = options.now ?? new Date();
  const changes = revisions.map((revision) => {
    const join = byKey.get(joinKey(revision));
    if (!join) throw new Error(`revision of a join that is not recorded: ${revision.memberId}`);
    const previous = view(join);
    // An admin's resolution stands; a replayed revision changes nothing.
    const stands =
      join.resolvedBy !== null ||
      join.outcome === 'pending' ||
      sameDecision(previous, revision.next);
    const reward = rewardOf(revision, join, fairPlay, now);
    return { revision, join, previous, stands, ...reward, xpChange: 0, xpAwarded: join.xpAwarded };
  });
  const changed = changes.filter((c) => !c.stands);

  // XP: the reward held by each join stays only if the join still earns it through the same code
  // and inviter; otherwise it is taken back, and a join that now earns is awarded (once-only ledger).
  // The member's other joins are as they were (one revision per member per round).
  const earns = (c: (typeof changed)[number]) => {
    const { next, memberId, joinedAt, excluded } = c.revision;
    return (
      c.rewardStatus === 'released' &&
      next.outcome === 'exact' &&
      next.code !== null &&
      next.inviterId !== null &&
      next.inviterId !== memberId &&
      !excluded &&
      options.xpPerInvite > 0 &&
      !joins.some(
        (r) =>
          r.memberId === memberId &&
          r.code === next.code &&
          r.id !== c.join.id &&
          r.joinedAt.getTime() < joinedAt.getTime(),
      )
    );
  };
  const held = await heldRewards(
    db,
    changed.map((c) => c.join.id),
  );
  const revoke: (typeof inviteRewards.$inferSelect)[] = [];
  const award: { change: (typeof changed)[number]; reward: InviteReward }[] = [];
  for (const c of changed) {
    const reward = held.get(c.join.id);
    const { next } = c.revision;
    const earned = earns(c);
    const keeps =
      reward && earned && reward.code === next.code && reward.inviterId === next.inviterId;
    c.xpAwarded = keeps ? reward.xp : 0;
    if (reward && !keeps) {
      revoke.push(reward);
      c.xpChange -= reward.xp;
    }
    if (earned && !keeps) {
      award.push({
        change: c,
        reward: {
          guildId,
          code: next.code!,
          memberId: c.revision.memberId,
          inviterId: next.inviterId!,
          joinId: c.join.id,
          xp: options.xpPerInvite,
        },
      });
    }
  }
  await revokeRewards(db, guildId, revoke);
  const awarded = await awardInvitesXp(
    db,
    award.map((a) => a.reward),
  );
  for (const [i, { change }] of award.entries()) {
    if (!awarded[i]) continue;
    change.xpAwarded = options.xpPerInvite;
    change.xpChange += options.xpPerInvite;
  }

  await updateJoins(db, changed);
  for (const c of changed) {
    for (const inviter of [c.previous.inviterId, c.revision.next.inviterId]) {
      if (inviter) options.recountLater.add(inviter);
    }
  }
  return changes.map((c) => ({
    result: {
      joinId: c.join.id,
      applied: !c.stands,
      previous: c.stands ? null : c.previous,
      xpChange: c.xpChange,
      xpAwarded: c.xpAwarded,
      counts: null,
      fakeFlags: c.join.fakeFlags,
      fake: c.join.fake,
    },
    logged: c.stands
      ? undefined
      : {
          guildId,
          joinId: c.join.id,
          previous: c.previous,
          next: view(c.revision.next),
          cause: c.revision.cause,
          xpChange: c.xpChange,
        },
  }));
}

type JoinRow = typeof memberJoins.$inferSelect;

const joinKey = (j: { memberId: string; joinedAt: Date }) =>
  `${j.memberId}@${j.joinedAt.getTime()}`;

/**
 * Every join of the revised members, locked for the transaction: the revised rows, and the earlier
 * joins that decide whether a code already earned XP for its member.
 */
async function lockMembersJoins(
  db: Db,
  guildId: string,
  revisions: readonly GuildRevision[],
): Promise<JoinRow[]> {
  return db
    .select()
    .from(memberJoins)
    .where(
      and(
        eq(memberJoins.guildId, guildId),
        inArray(
          memberJoins.memberId,
          revisions.map((r) => r.memberId),
        ),
      ),
    )
    .for('update');
}

/**
 * Fair play: the fake flags describe the member and stay; the reward follows the new decision. A
 * reward still waiting (or forfeited) keeps its state: the release pays the inviter named then.
 */
function rewardOf(
  revision: GuildRevision,
  join: JoinRow,
  fairPlay: FairPlaySettings,
  now: Date,
): { rewardStatus: RewardStatus | null; dueAt: Date | null } {
  const { next } = revision;
  const qualifies =
    next.outcome === 'exact' &&
    next.inviterId !== null &&
    next.inviterId !== revision.memberId &&
    !join.fake;
  if (!qualifies) return { rewardStatus: null, dueAt: null };
  if (join.rewardStatus !== null)
    return { rewardStatus: join.rewardStatus, dueAt: join.rewardDueAt };
  const waits = rewardWaits(fairPlay);
  const dueAt = waits ? rewardDueAt(revision.joinedAt, fairPlay) : null;
  if (waits && join.leftAt !== null) return { rewardStatus: 'forfeited', dueAt };
  if (waits && !rewardReleasable({ ...join, rewardDueAt: dueAt }, fairPlay, now)) {
    return { rewardStatus: 'pending', dueAt };
  }
  return { rewardStatus: 'released', dueAt };
}

/** The reward each join holds (not taken back), by join id. */
async function heldRewards(db: Db, joinIds: readonly number[]) {
  if (joinIds.length === 0) return new Map<number, typeof inviteRewards.$inferSelect>();
  const rows = await db
    .select()
    .from(inviteRewards)
    .where(and(inArray(inviteRewards.joinId, [...joinIds]), isNull(inviteRewards.revokedAt)));
  const held = new Map<number, typeof inviteRewards.$inferSelect>();
  for (const row of rows) if (!held.has(row.joinId!)) held.set(row.joinId!, row);
  return held;
}

/** Takes rewards back: marked revoked (still once-only), each inviter's XP lowered once. */
async function revokeRewards(
  db: Db,
  guildId: string,
  rewards: readonly (typeof inviteRewards.$inferSelect)[],
): Promise<void> {
  if (rewards.length === 0) return;
  const keys = JSON.stringify(rewards.map((r) => ({ code: r.code, member_id: r.memberId })));
  await db.execute(sql`
    update ${inviteRewards} as r set revoked_at = now()
    from jsonb_to_recordset(${keys}::jsonb) as v(code text, member_id bigint)
    where r.guild_id = ${guildId} and r.code = v.code and r.member_id = v.member_id`);
  const taken = new Map<string, number>();
  for (const r of rewards) taken.set(r.inviterId, (taken.get(r.inviterId) ?? 0) + r.xp);
  const each = JSON.stringify([...taken].map(([user_id, xp]) => ({ user_id, xp })));
  await db.execute(sql`
    update ${memberXp} as x set xp = x.xp - v.xp, updated_at = now()
    from jsonb_to_recordset(${each}::jsonb) as v(user_id bigint, xp integer)
    where x.guild_id = ${guildId} and x.user_id = v.user_id`);
}

/** The revised joins take their new decision, reward state and XP, in one statement. */
async function updateJoins(
  db: Db,
  changed: readonly {
    join: JoinRow;
    revision: GuildRevision;
    rewardStatus: RewardStatus | null;
    dueAt: Date | null;
    xpAwarded: number;
  }[],
): Promise<void> {
  if (changed.length === 0) return;
  const each = JSON.stringify(
    changed.map((c) => ({
      id: c.join.id,
      outcome: c.revision.next.outcome,
      reason: c.revision.next.reason,
      code: c.revision.next.code,
      inviter_id: c.revision.next.inviterId,
      candidates: c.revision.next.candidates,
      excluded: c.revision.excluded,
      reward_status: c.rewardStatus,
      reward_due_at: c.dueAt?.toISOString() ?? null,
      xp_awarded: c.xpAwarded,
    })),
  );
  await db.execute(sql`
    update ${memberJoins} as m
    set outcome = v.outcome, reason = v.reason, code = v.code, inviter_id = v.inviter_id,
      candidates = v.candidates, excluded = v.excluded, reward_status = v.reward_status,
      reward_due_at = v.reward_due_at, xp_awarded = v.xp_awarded, revised_at = now()
    from jsonb_to_recordset(${each}::jsonb) as v(id bigint, outcome text, reason text, code text,
      inviter_id bigint, candidates jsonb, excluded boolean, reward_status text,
      reward_due_at timestamptz, xp_awarded integer)
    where m.id = v.id`);
}

/** A join's revisions, oldest first (the dashboard's join detail). */
export async function revisionsOf(db: Db, joinId: number) {
  return db
    .select()
    .from(joinRevisions)
    .where(eq(joinRevisions.joinId, joinId))
    .orderBy(joinRevisions.revisedAt, joinRevisions.id);
}

/** A guild's latest revisions, newest first. */
export async function recentRevisions(db: Db, guildId: string, limit = 20) {
  return db
    .select()
    .from(joinRevisions)
    .where(eq(joinRevisions.guildId, guildId))
    .orderBy(desc(joinRevisions.revisedAt), desc(joinRevisions.id))
    .limit(limit);
}
