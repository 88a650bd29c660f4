/**
 * Revisions: a decided join whose decision later facts changed (a GUILD_MEMBER_ADD that arrived late,
 * a use counted after its event). Applied in the caller's transaction: the join row takes the new
 * decision and is marked revised, the change is appended to `join_revisions` (nothing is deleted),
 * XP follows through the same once-only ledger (taken back, or awarded when the revision pins the
 * join), and the inviters' counters are recomputed.
 */
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
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
import { joinedEarlier } from './joins';
import { awardInviteXp } from './rewards';
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

export async function applyRevision(
  db: Db,
  revision: RevisionInput,
  options: {
    xpPerInvite: number;
    excluded: boolean;
    fairPlay?: FairPlaySettings;
    now?: Date;
    /** As applyDecision's: inviters to recount are collected for the caller; `counts` is null. */
    recountLater?: Set<string>;
  },
): Promise<AppliedRevision> {
  const { guildId, memberId, joinedAt, next } = revision;
  const [join] = await db
    .select()
    .from(memberJoins)
    .where(
      and(
        eq(memberJoins.guildId, guildId),
        eq(memberJoins.memberId, memberId),
        eq(memberJoins.joinedAt, joinedAt),
      ),
    )
    .for('update');
  if (!join) throw new Error(`revision of a join that is not recorded: ${memberId}`);
  const none = {
    applied: false,
    previous: null,
    xpChange: 0,
    xpAwarded: 0,
    counts: null,
    fakeFlags: join.fakeFlags,
    fake: join.fake,
  };
  const previous = view(join);
  // An admin's resolution stands; a replayed revision changes nothing.
  if (join.resolvedBy !== null || join.outcome === 'pending' || sameDecision(previous, next)) {
    return { ...none, joinId: join.id, xpAwarded: join.xpAwarded };
  }
  // Fair play: the fake flags describe the member and stay; the reward follows the new decision.
  // A reward still waiting (or forfeited) keeps its state: the release pays the inviter named then.
  const fairPlay = options.fairPlay ?? DEFAULT_FAIR_PLAY;
  const qualifies =
    next.outcome === 'exact' &&
    next.inviterId !== null &&
    next.inviterId !== memberId &&
    !join.fake;
  let rewardStatus: RewardStatus | null = qualifies ? join.rewardStatus : null;
  let dueAt = qualifies ? join.rewardDueAt : null;
  if (qualifies && rewardStatus === null) {
    const waits = rewardWaits(fairPlay);
    dueAt = waits ? rewardDueAt(joinedAt, fairPlay) : null;
    if (waits && join.leftAt !== null) rewardStatus = 'forfeited';
    else if (
      waits &&
      !rewardReleasable({ ...join, rewardDueAt: dueAt }, fairPlay, options.now ?? new Date())
    ) {
      rewardStatus = 'pending';
    } else rewardStatus = 'released';
  }
  await db
    .update(memberJoins)
    .set({
      ...next,
      excluded: options.excluded,
      rewardStatus,
      rewardDueAt: dueAt,
      revisedAt: sql`now()`,
    })
    .where(eq(memberJoins.id, join.id));

  let xpChange = 0;
  const earns =
    rewardStatus === 'released' &&
    next.outcome === 'exact' &&
    next.code !== null &&
    next.inviterId !== null &&
    next.inviterId !== memberId &&
    !options.excluded &&
    options.xpPerInvite > 0 &&
    !(await joinedEarlier(db, { guildId, memberId, joinedAt, code: next.code }, join.id));
  const [held] = await db
    .select()
    .from(inviteRewards)
    .where(and(eq(inviteRewards.joinId, join.id), isNull(inviteRewards.revokedAt)));
  const keeps = held && earns && held.code === next.code && held.inviterId === next.inviterId;
  if (held && !keeps) {
    await db
      .update(inviteRewards)
      .set({ revokedAt: sql`now()` })
      .where(
        and(
          eq(inviteRewards.guildId, guildId),
          eq(inviteRewards.code, held.code),
          eq(inviteRewards.memberId, memberId),
        ),
      );
    await db
      .update(memberXp)
      .set({ xp: sql`${memberXp.xp} - ${held.xp}`, updatedAt: sql`now()` })
      .where(and(eq(memberXp.guildId, guildId), eq(memberXp.userId, held.inviterId)));
    xpChange -= held.xp;
  }
  let xpAwarded = keeps ? held.xp : 0;
  if (earns && !keeps) {
    const awarded = await awardInviteXp(db, {
      guildId,
      code: next.code!,
      memberId,
      inviterId: next.inviterId!,
      joinId: join.id,
      xp: options.xpPerInvite,
    });
    if (awarded) {
      xpAwarded = options.xpPerInvite;
      xpChange += options.xpPerInvite;
    }
  }
  await db.update(memberJoins).set({ xpAwarded }).where(eq(memberJoins.id, join.id));
  await db.insert(joinRevisions).values({
    guildId,
    joinId: join.id,
    previous,
    next: view(next),
    cause: revision.cause,
    xpChange,
  });
  const later = options.recountLater;
  for (const inviter of new Set([previous.inviterId, next.inviterId])) {
    if (inviter && later) later.add(inviter);
    else if (inviter) await recomputeInviterStats(db, guildId, inviter);
  }
  const counts = next.inviterId && !later ? await inviterCounts(db, guildId, next.inviterId) : null;
  return {
    joinId: join.id,
    applied: true,
    previous,
    xpChange,
    xpAwarded,
    counts,
    fakeFlags: join.fakeFlags,
    fake: join.fake,
  };
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
