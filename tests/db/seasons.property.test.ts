/**
 * Periods and seasons under random runs: joins (at random times), leaves, bonuses, resets (keeping
 * or resetting XP), restores and days passing. After every step each leaderboard — this season,
 * all time, 7 and 30 days — equals a recount in TypeScript over the records for its time span
 * (only joins and bonus entries inside it), with the XP the seasons imply; a restore right after a
 * reset gives back exactly the leaderboard from before the reset; and a past season stays viewable:
 * a recount of its time span (a join found late counts in the season it happened in).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDecision, recordLeave } from '../../db/queries/joins';
import {
  getLeaderboard,
  recomputeInviterStats,
  type LeaderboardRow,
} from '../../db/queries/leaderboard';
import {
  getSeasonLeaderboard,
  listSeasons,
  restoreSeason,
  startSeason,
} from '../../db/queries/seasons';
import { inviteBonus } from '../../db/schema';
import { windowStart, type LeaderboardPeriod } from '../../db/shared/periods';
import { createTestDb, dbKinds, storeGuild, type TestDb } from '../helpers/db';

const HOUR = 60 * 60_000;
const T0 = Date.parse('2026-03-01T10:00:00Z');
const INVITERS = ['400000000000000001', '400000000000000002', '400000000000000003'];
const ADMIN = '300000000000000001';
const XP = 50;

type Op =
  | { kind: 'join'; inviter: number; hoursAgo: number }
  | { kind: 'leave'; pick: number }
  | { kind: 'bonus'; inviter: number; amount: number }
  | { kind: 'reset'; resetXp: boolean }
  | { kind: 'restore' }
  | { kind: 'time'; hours: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('join' as const),
      inviter: fc.nat(INVITERS.length - 1),
      // Joins found late (downtime) carry an earlier join time.
      hoursAgo: fc.oneof(fc.constant(0), fc.nat(24 * 40)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('leave' as const), pick: fc.nat(50) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('bonus' as const),
      inviter: fc.nat(INVITERS.length - 1),
      amount: fc.integer({ min: -3, max: 5 }).filter((n) => n !== 0),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reset' as const), resetXp: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('time' as const),
      hours: fc.integer({ min: 1, max: 24 * 9 }),
    }),
  },
);

type ModelJoin = { inviter: string; member: string; at: number; left: boolean };
type ModelSeason = { start: number; xpBase: Map<string, number> | null };

/** The expected leaderboard of [since, until): (inviter, total, regular, leaves, bonus, xp) by rank. */
function expected(
  joins: ModelJoin[],
  bonuses: { inviter: string; amount: number; at: number }[],
  since: number,
  until: number,
  xpOf: (inviter: string) => number,
) {
  const rows = new Map<string, { total: number; regular: number; leaves: number; bonus: number }>();
  const row = (id: string) => {
    if (!rows.has(id)) rows.set(id, { total: 0, regular: 0, leaves: 0, bonus: 0 });
    return rows.get(id)!;
  };
  for (const j of joins) {
    if (j.at < since || j.at >= until) continue;
    if (j.left) row(j.inviter).leaves++;
    else row(j.inviter).regular++;
  }
  for (const b of bonuses) if (b.at >= since && b.at < until) row(b.inviter).bonus += b.amount;
  const list = [...rows.entries()]
    .map(([id, r]) => ({ id, ...r, total: r.regular + r.bonus }))
    .filter((r) => r.total > 0)
    .sort((a, b) => b.total - a.total || (a.id < b.id ? -1 : 1));
  return list.map((r) => ({
    rank: list.filter((o) => o.total > r.total).length + 1,
    inviterId: r.id,
    invites: r.total,
    regular: r.regular,
    leaves: r.leaves,
    bonus: r.bonus,
    xp: xpOf(r.id),
  }));
}

const shape = (rows: LeaderboardRow[], withXp = true) =>
  rows.map((r) => ({
    rank: r.rank,
    inviterId: r.inviterId,
    invites: r.invites,
    regular: r.regular,
    leaves: r.leaves,
    bonus: r.bonus,
    xp: withXp ? r.xp : 0,
  }));

describe.each(dbKinds)('periods and seasons on %s', (kind) => {
  let handle: TestDb;
  let nextGuild = 100000000000005000n;
  let nextMember = 230000000000000000n;
  beforeAll(async () => {
    handle = await createTestDb(kind);
  });
  afterAll(() => handle.dispose());

  it('every period equals a recount; reset then restore gives back the exact leaderboard', async () => {
    const db = handle.db;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: kind === 'pglite' ? 25 : 35 }),
        async (ops) => {
          runs++;
          const guildId = String(++nextGuild);
          await storeGuild(db, guildId);
          let now = T0;
          const joins: ModelJoin[] = [];
          const bonuses: { inviter: string; amount: number; at: number }[] = [];
          const xp = new Map<string, number>();
          /** Active seasons after the first (which started with the records). */
          const seasons: ModelSeason[] = [];
          /** Past seasons as they ended: [start, end) and their leaderboard then. */
          const ended: { start: number | null; end: number; board: ReturnType<typeof expected> }[] =
            [];
          const seasonStart = () => seasons.at(-1)?.start ?? -Infinity;
          const shownXp = (id: string) => {
            const base = [...seasons].reverse().find((s) => s.xpBase)?.xpBase;
            return (xp.get(id) ?? 0) - (base?.get(id) ?? 0);
          };
          const board = (period: LeaderboardPeriod) => {
            const since =
              period === 'season'
                ? seasonStart()
                : period === 'all'
                  ? -Infinity
                  : windowStart(period, new Date(now)).getTime();
            return expected(joins, bonuses, since, Infinity, shownXp);
          };
          let lastReset: ReturnType<typeof expected> | null = null;

          for (const op of ops) {
            let justReset = false;
            if (op.kind === 'time') now += op.hours * HOUR;
            if (op.kind === 'join') {
              const inviter = INVITERS[op.inviter]!;
              const member = String(++nextMember);
              const at = now - op.hoursAgo * HOUR;
              await applyDecision(
                db,
                {
                  guildId,
                  memberId: member,
                  joinedAt: new Date(at),
                  memberBot: false,
                  outcome: 'exact',
                  reason: 'single_code',
                  code: `c${op.inviter}`,
                  inviterId: inviter,
                  candidates: null,
                },
                { xpPerInvite: XP, excluded: false },
              );
              joins.push({ inviter, member, at, left: false });
              xp.set(inviter, (xp.get(inviter) ?? 0) + XP);
            }
            if (op.kind === 'leave') {
              const present = joins.filter((j) => !j.left);
              if (present.length === 0) continue;
              const j = present[op.pick % present.length]!;
              await recordLeave(db, guildId, j.member, new Date(now));
              j.left = true;
            }
            if (op.kind === 'bonus') {
              const inviter = INVITERS[op.inviter]!;
              await db.transaction(async (tx) => {
                await tx.insert(inviteBonus).values({
                  guildId,
                  inviterId: inviter,
                  amount: op.amount,
                  reason: 'r',
                  createdBy: ADMIN,
                  createdAt: new Date(now),
                });
                await recomputeInviterStats(tx, guildId, inviter);
              });
              bonuses.push({ inviter, amount: op.amount, at: now });
            }
            if (op.kind === 'reset') {
              if (seasonStart() >= now) now += HOUR; // one reset per instant
              lastReset = shape(await getLeaderboard(db, guildId, { limit: 100 }));
              ended.push({
                start: seasons.at(-1)?.start ?? null,
                end: now,
                board: board('season'),
              });
              await startSeason(db, {
                guildId,
                actorId: ADMIN,
                resetXp: op.resetXp,
                now: new Date(now),
              });
              seasons.push({ start: now, xpBase: op.resetXp ? new Map(xp) : null });
              justReset = true;
            }
            if (op.kind === 'restore') {
              if (seasons.length === 0) {
                await expect(
                  restoreSeason(db, { guildId, actorId: ADMIN, now: new Date(now) }),
                ).rejects.toThrow();
                continue;
              }
              await restoreSeason(db, { guildId, actorId: ADMIN, now: new Date(now) });
              seasons.pop();
              ended.pop();
              if (lastReset) {
                // Restored right after the reset: exactly the leaderboard from before, XP included.
                expect(shape(await getLeaderboard(db, guildId, { limit: 100 }))).toEqual(lastReset);
              }
            }
            if (!justReset) lastReset = null;

            const opts = { limit: 100, now: new Date(now) };
            for (const period of ['season', 'all', '7d', '30d'] as const) {
              expect(shape(await getLeaderboard(db, guildId, { ...opts, period })), period).toEqual(
                board(period),
              );
            }
          }
          // Past seasons stay viewable and unchanged by what happened after them.
          const listed = await listSeasons(db, guildId);
          expect(listed).toHaveLength(seasons.length + 1);
          for (const [i, past] of ended.entries()) {
            const season = listed[i]!;
            expect(season.startedAt?.getTime() ?? null).toBe(past.start);
            expect(season.endedAt?.getTime()).toBe(past.end);
            const { rows } = await getSeasonLeaderboard(db, guildId, season, { limit: 100 });
            const recount = expected(joins, bonuses, past.start ?? -Infinity, past.end, () => 0);
            expect(shape(rows, false)).toEqual(recount);
          }
        },
      ),
      { numRuns: kind === 'pglite' ? 40 : 60 },
    );
    expect(runs).toBeGreaterThan(0);
  }, 600_000);
});
