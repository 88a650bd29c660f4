/**
 * Counters under random runs: whatever sequence of joins, decisions (with random fair-play
 * settings), revisions, leaves, role updates, reward releases and bonuses happens, the counters kept
 * incrementally equal (1) a recount in TypeScript from the join records and (2) the repair query's
 * rebuild from the records.
 */
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addInviteBonus, memberRolesChanged, releaseDueRewards } from '../../db/queries/fair-play';
import { applyDecision, recordLeave, recordPendingJoin } from '../../db/queries/joins';
import { rebuildInviterStats } from '../../db/queries/leaderboard';
import { applyRevision } from '../../db/queries/revisions';
import {
  DEFAULT_FAIR_PLAY,
  updateGuildSettings,
  type FairPlaySettings,
} from '../../db/queries/settings';
import { inviteBonus, inviterStats, memberJoins } from '../../db/schema';
import { createTestDb, dbKinds, storeGuild, type TestDb } from '../helpers/db';

const DAY = 24 * 60 * 60_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const INVITERS = ['400000000000000001', '400000000000000002', '400000000000000003'];
/** Members: old accounts (ids from 2016) and one brand-new account id (created at T0). */
const MEMBERS = [
  '200000000000000001',
  '200000000000000002',
  '200000000000000003',
  '200000000000000004',
  String(BigInt(T0 - 1_420_070_400_000) << 22n),
];
const ROLE = '700000000000000001';

type Op =
  | { kind: 'join'; member: number; avatar: boolean }
  | { kind: 'decide'; pick: number; inviter: number | null; exact: boolean }
  | { kind: 'revise'; pick: number; inviter: number | null; exact: boolean }
  | { kind: 'leave'; member: number }
  | { kind: 'role'; member: number }
  | { kind: 'release'; days: number }
  | { kind: 'bonus'; inviter: number; amount: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('join' as const),
      member: fc.nat(MEMBERS.length - 1),
      avatar: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('decide' as const),
      pick: fc.nat(20),
      inviter: fc.option(fc.nat(INVITERS.length), { nil: null, freq: 5 }),
      exact: fc.boolean(),
    }),
  },
  fc.record({
    kind: fc.constant('revise' as const),
    pick: fc.nat(20),
    inviter: fc.option(fc.nat(INVITERS.length), { nil: null }),
    exact: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('leave' as const), member: fc.nat(MEMBERS.length - 1) }),
  fc.record({ kind: fc.constant('role' as const), member: fc.nat(MEMBERS.length - 1) }),
  fc.record({ kind: fc.constant('release' as const), days: fc.integer({ min: 0, max: 3 }) }),
  fc.record({
    kind: fc.constant('bonus' as const),
    inviter: fc.nat(INVITERS.length - 1),
    amount: fc.integer({ min: -3, max: 5 }),
  }),
);

const rulesArb: fc.Arbitrary<FairPlaySettings> = fc.record({
  fakeAccountAge: fc.boolean(),
  fakeMinAccountAgeDays: fc.constantFrom(1, 7),
  fakeNoAvatar: fc.boolean(),
  fakeRejoin: fc.boolean(),
  fakeSelfInvite: fc.boolean(),
  fakeMode: fc.constantFrom('any' as const, 'all' as const),
  minStayDays: fc.constantFrom(0, 1, 2),
  requiredRoleId: fc.constantFrom(null, ROLE),
  leaveMessage: fc.constant(false),
  xpTakeBackDays: fc.constantFrom(0, 1, 7),
});

/** The inviter index n names INVITERS[n]; n = INVITERS.length means the member invited themselves. */
const inviterOf = (n: number | null, member: string) =>
  n === null ? null : n === INVITERS.length ? member : INVITERS[n]!;

type Counters = Record<string, [number, number, number, number, number, number]>;

async function storedCounters(db: TestDb['db'], guildId: string): Promise<Counters> {
  const rows = await db.select().from(inviterStats).where(eq(inviterStats.guildId, guildId));
  const out: Counters = {};
  for (const r of rows) {
    if (r.joins === 0 && r.bonus === 0 && r.invites === 0) continue;
    out[r.inviterId] = [r.invites, r.regular, r.leaves, r.fake, r.bonus, r.pending];
  }
  return out;
}

/** The counters recounted in TypeScript from the records (independent of the SQL). */
async function recount(db: TestDb['db'], guildId: string): Promise<Counters> {
  const joins = await db.select().from(memberJoins).where(eq(memberJoins.guildId, guildId));
  const bonuses = await db.select().from(inviteBonus).where(eq(inviteBonus.guildId, guildId));
  const acc = new Map<
    string,
    {
      regular: Set<string>;
      fake: Set<string>;
      pending: number;
      left: number;
      joins: number;
      bonus: number;
    }
  >();
  const of = (id: string) => {
    let a = acc.get(id);
    if (!a) {
      a = { regular: new Set(), fake: new Set(), pending: 0, left: 0, joins: 0, bonus: 0 };
      acc.set(id, a);
    }
    return a;
  };
  for (const j of joins) {
    if (j.inviterId === null || j.inviterId === j.memberId) continue;
    const a = of(j.inviterId);
    a.joins += 1;
    if (j.leftAt !== null) a.left += 1;
    else if (j.rewardStatus === 'pending') a.pending += 1;
    else a.regular.add(j.memberId);
    if (j.leftAt === null && j.fake) a.fake.add(j.memberId);
  }
  for (const b of bonuses) of(b.inviterId).bonus += b.amount;
  const out: Counters = {};
  for (const [id, a] of acc) {
    const total = a.regular.size + a.bonus - a.fake.size;
    if (a.joins === 0 && a.bonus === 0 && total === 0) continue;
    out[id] = [total, a.regular.size, a.left, a.fake.size, a.bonus, a.pending];
  }
  return out;
}

describe.each(dbKinds)('fair-play counters on %s', (kind) => {
  let handle: TestDb;
  let nextGuild = 100000000000000900n;
  let runs = 0;
  beforeAll(async () => {
    handle = await createTestDb(kind);
  });
  afterAll(() => handle.dispose());

  it('the incremental counters equal a recount and the rebuild after any random run', async () => {
    const db = handle.db;
    await fc.assert(
      fc.asyncProperty(
        rulesArb,
        fc.array(opArb, { minLength: 15, maxLength: 50 }),
        async (rules, ops) => {
          runs += 1;
          const guildId = String(++nextGuild);
          await storeGuild(db, guildId);
          await updateGuildSettings(db, guildId, { ...rules }, null);
          let clock = T0;
          const joins: { memberId: string; joinedAt: Date }[] = [];
          const decided = new Set<(typeof joins)[number]>();
          for (const op of ops) {
            clock += 60_000;
            switch (op.kind) {
              case 'join': {
                const memberId = MEMBERS[op.member]!;
                const joinedAt = new Date(clock);
                await recordPendingJoin(db, {
                  guildId,
                  memberId,
                  joinedAt,
                  memberBot: false,
                  hasAvatar: op.avatar,
                });
                joins.push({ memberId, joinedAt });
                break;
              }
              case 'decide': {
                // The joins still undecided (a decided one would be a replay: also fine, but rarer).
                const open = joins.filter((j) => !decided.has(j));
                const join = open[op.pick % Math.max(open.length, 1)];
                if (join) decided.add(join);
                if (!join) break;
                const inviterId = inviterOf(op.inviter, join.memberId);
                const exact = op.exact && inviterId !== null;
                await db.transaction((tx) =>
                  applyDecision(
                    tx,
                    {
                      guildId,
                      ...join,
                      memberBot: false,
                      outcome: exact ? 'exact' : 'ambiguous',
                      reason: exact ? 'single_code' : 'several_codes',
                      code: exact ? `c${op.inviter}` : null,
                      inviterId,
                      candidates: null,
                    },
                    { xpPerInvite: 10, excluded: false, fairPlay: rules, now: new Date(clock) },
                  ),
                );
                break;
              }
              case 'revise': {
                const join = joins[op.pick % Math.max(joins.length, 1)];
                if (!join) break;
                const [row] = await db
                  .select()
                  .from(memberJoins)
                  .where(eq(memberJoins.joinedAt, join.joinedAt));
                if (!row || row.outcome === 'pending' || row.guildId !== guildId) break;
                const inviterId = inviterOf(op.inviter, join.memberId);
                const exact = op.exact && inviterId !== null;
                await db.transaction((tx) =>
                  applyRevision(
                    tx,
                    {
                      guildId,
                      ...join,
                      next: {
                        outcome: exact ? 'exact' : 'unknown',
                        reason: exact ? 'single_code' : 'no_use_changed',
                        code: exact ? `c${op.inviter}` : null,
                        inviterId: exact ? inviterId : null,
                        candidates: null,
                      },
                      cause: 'late_event',
                    },
                    { xpPerInvite: 10, excluded: false, fairPlay: rules, now: new Date(clock) },
                  ),
                );
                break;
              }
              case 'leave':
                await recordLeave(db, guildId, MEMBERS[op.member]!, new Date(clock), {
                  xpTakeBackDays: rules.xpTakeBackDays,
                });
                break;
              case 'role':
                await memberRolesChanged(db, guildId, MEMBERS[op.member]!, [ROLE], new Date(clock));
                break;
              case 'release':
                clock += op.days * DAY;
                await releaseDueRewards(db, new Date(clock), { shardCount: 1, shardIds: [0] });
                break;
              case 'bonus':
                await addInviteBonus(db, {
                  guildId,
                  inviterId: INVITERS[op.inviter]!,
                  amount: op.amount,
                  reason: null,
                  createdBy: null,
                });
                break;
            }
          }
          const live = await storedCounters(db, guildId);
          for (const [invites, regular, , fake, bonus] of Object.values(live)) {
            expect(invites).toBe(regular + bonus - fake);
          }
          expect(live).toEqual(await recount(db, guildId));
          await rebuildInviterStats(db, guildId);
          expect(await storedCounters(db, guildId)).toEqual(live);
        },
      ),
      { numRuns: kind === 'pglite' ? 60 : 30 },
    );
    expect(runs).toBeGreaterThan(0);
  }, 240_000);

  it('keeps the defaults when a guild never set fair play', () => {
    expect(DEFAULT_FAIR_PLAY).toMatchObject({ minStayDays: 0, xpTakeBackDays: 0, fakeMode: 'any' });
  });
});
