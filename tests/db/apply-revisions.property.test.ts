/**
 * Revisions applied in batches (a burst of corrections shares a few statements) leave the same
 * records as one revision at a time: for any decided joins (members who joined more than once,
 * rewards held, waiting or forfeited, an admin's resolution, members who left) and any run of
 * revisions (a member revised twice, replays, excluded codes, self-invites) cut into any batches, the
 * joins, the reward ledger, XP, the revision log, the counters and what each call returns are equal.
 */
import fc from 'fast-check';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/client';
import { applyDecision, recordLeave, recordPendingJoin } from '../../db/queries/joins';
import { recomputeInviterStats } from '../../db/queries/leaderboard';
import { applyRevisions, type GuildRevision } from '../../db/queries/revisions';
import { DEFAULT_FAIR_PLAY, type FairPlaySettings } from '../../db/queries/settings';
import { inviteRewards, inviterStats, joinRevisions, memberJoins, memberXp } from '../../db/schema';
import { createTestDb, dbKinds, storeGuild, type TestDb } from '../helpers/db';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const MEMBERS = ['200000000000000001', '200000000000000002', '200000000000000003'];
const INVITERS = ['400000000000000001', '400000000000000002'];
const CODES = ['c1', 'c2'];
const ADMIN = '900000000000000001';

/** A decision or revision target: `inviter` 2 is the member themself (a self-invite). */
type Pick = { outcome: 'exact' | 'ambiguous' | 'unknown'; code: number; inviter: number };
type Join = { member: number; decided: Pick; left: boolean; resolved: boolean };
type Revise = { join: number; next: Pick; excluded: boolean };

const pickArb: fc.Arbitrary<Pick> = fc.record({
  outcome: fc.constantFrom(
    'exact' as const,
    'exact' as const,
    'ambiguous' as const,
    'unknown' as const,
  ),
  code: fc.nat(CODES.length - 1),
  inviter: fc.nat(INVITERS.length),
});

type Decided = GuildRevision['next']['outcome'];

const decisionOf = (pick: Pick, memberId: string) => {
  const code = CODES[pick.code]!;
  const inviterId = INVITERS[pick.inviter] ?? memberId;
  if (pick.outcome === 'exact') {
    return {
      outcome: 'exact' as Decided,
      reason: 'single_code',
      code,
      inviterId,
      candidates: null,
    };
  }
  if (pick.outcome === 'ambiguous') {
    return {
      outcome: 'ambiguous' as Decided,
      reason: 'several_codes',
      code: null,
      inviterId: null,
      candidates: CODES.map((c, i) => ({ code: c, inviterId: INVITERS[i]! })),
    };
  }
  return {
    outcome: 'unknown' as Decided,
    reason: 'no_code',
    code: null,
    inviterId: null,
    candidates: null,
  };
};

async function setUp(db: Db, guildId: string, joins: Join[], fairPlay: FairPlaySettings) {
  await storeGuild(db, guildId);
  const identities = [];
  for (const [i, join] of joins.entries()) {
    const memberId = MEMBERS[join.member]!;
    const joinedAt = new Date(T0 + i * 1000);
    await recordPendingJoin(db, { guildId, memberId, joinedAt, memberBot: false });
    await db.transaction((tx) =>
      applyDecision(
        tx,
        { guildId, memberId, joinedAt, memberBot: false, ...decisionOf(join.decided, memberId) },
        { xpPerInvite: 10, excluded: false, fairPlay, now: new Date(T0 + 60_000) },
      ),
    );
    if (join.resolved) {
      await db
        .update(memberJoins)
        .set({ resolvedBy: ADMIN })
        .where(and(eq(memberJoins.guildId, guildId), eq(memberJoins.joinedAt, joinedAt)));
    }
    if (join.left) {
      await recordLeave(db, guildId, memberId, new Date(T0 + 30_000 + i));
    }
    identities.push({ memberId, joinedAt });
  }
  return identities;
}

async function recorded(db: Db, guildId: string) {
  const joins = await db
    .select()
    .from(memberJoins)
    .where(eq(memberJoins.guildId, guildId))
    .orderBy(asc(memberJoins.joinedAt));
  const keyOf = new Map(joins.map((j) => [j.id, `${j.memberId}@${j.joinedAt.getTime()}`]));
  const rewards = await db
    .select()
    .from(inviteRewards)
    .where(eq(inviteRewards.guildId, guildId))
    .orderBy(asc(inviteRewards.code), asc(inviteRewards.memberId));
  const xp = await db
    .select({ userId: memberXp.userId, xp: memberXp.xp })
    .from(memberXp)
    .where(eq(memberXp.guildId, guildId))
    .orderBy(asc(memberXp.userId));
  const revisions = await db
    .select()
    .from(joinRevisions)
    .where(eq(joinRevisions.guildId, guildId))
    .orderBy(asc(joinRevisions.id));
  const stats = await db
    .select({
      inviterId: inviterStats.inviterId,
      invites: inviterStats.invites,
      joins: inviterStats.joins,
    })
    .from(inviterStats)
    .where(eq(inviterStats.guildId, guildId))
    .orderBy(asc(inviterStats.inviterId));
  return {
    joins: joins.map((j) => ({
      key: keyOf.get(j.id),
      outcome: j.outcome,
      reason: j.reason,
      code: j.code,
      inviterId: j.inviterId,
      candidates: j.candidates,
      excluded: j.excluded,
      xpAwarded: j.xpAwarded,
      rewardStatus: j.rewardStatus,
      rewardDueAt: j.rewardDueAt,
      revised: j.revisedAt !== null,
    })),
    rewards: rewards.map((r) => ({
      code: r.code,
      memberId: r.memberId,
      inviterId: r.inviterId,
      join: r.joinId === null ? null : keyOf.get(r.joinId),
      xp: r.xp,
      revoked: r.revokedAt !== null,
    })),
    xp,
    revisions: revisions.map((r) => ({
      join: keyOf.get(r.joinId),
      previous: r.previous,
      next: r.next,
      cause: r.cause,
      xpChange: r.xpChange,
    })),
    stats,
  };
}

describe.each(dbKinds)('applying revisions in batches on %s', (kind) => {
  let handle: TestDb;
  let nextGuild = 100000000000008000n;
  beforeAll(async () => {
    handle = await createTestDb(kind);
  });
  afterAll(() => handle.dispose());

  it('leaves the same records as one revision at a time, however they are batched', async () => {
    const db = handle.db;
    const joinArb = fc.record({
      member: fc.nat(MEMBERS.length - 1),
      decided: pickArb,
      left: fc.boolean(),
      resolved: fc.constantFrom(false, false, false, true),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(joinArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.record({ join: fc.nat(5), next: pickArb, excluded: fc.boolean() }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 12 }),
        async (minStay, joins, run: Revise[], cuts) => {
          const fairPlay = { ...DEFAULT_FAIR_PLAY, minStayDays: minStay ? 1 : 0 };
          const one = String(++nextGuild);
          const batched = String(++nextGuild);
          const identities = await setUp(db, one, joins, fairPlay);
          await setUp(db, batched, joins, fairPlay);
          const revisions = run.map((r): GuildRevision => {
            const join = identities[r.join % identities.length]!;
            return {
              ...join,
              next: decisionOf(r.next, join.memberId),
              cause: 'later_fetch',
              excluded: r.excluded,
            };
          });
          const options = { xpPerInvite: 10, fairPlay, now: new Date(T0 + 90_000) };
          const apply = async (guildId: string, batches: GuildRevision[][]) => {
            const recount = new Set<string>();
            const results = [];
            for (const batch of batches) {
              const applied = await db.transaction((tx) =>
                applyRevisions(tx, guildId, batch, { ...options, recountLater: recount }),
              );
              results.push(...applied.map(({ joinId: _id, ...rest }) => rest));
            }
            for (const inviter of recount) await recomputeInviterStats(db, guildId, inviter);
            return results;
          };
          const cutUp: GuildRevision[][] = [];
          for (let at = 0, c = 0; at < revisions.length; c++) {
            const size = cuts[c % cuts.length]!;
            cutUp.push(revisions.slice(at, at + size));
            at += size;
          }
          const singly = await apply(
            one,
            revisions.map((r) => [r]),
          );
          const together = await apply(batched, cutUp);
          expect(together).toEqual(singly);
          expect(await recorded(db, batched)).toEqual(await recorded(db, one));
        },
      ),
      { numRuns: kind === 'pglite' ? 40 : 80 },
    );
  }, 180_000);
});
