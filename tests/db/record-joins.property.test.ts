/**
 * Joins recorded in batches (a raid's joins share a write) leave the same records as one join at a
 * time: for any run of joins (members joining again while their earlier join is open, replayed
 * events) cut into any batches, the joins, their leave times, the inviters' counters and the
 * members whose reward roles are queued again are the same in both guilds.
 */
import fc from 'fast-check';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyDecision,
  recordPendingJoin,
  recordPendingJoins,
  type PendingJoinRecord,
} from '../../db/queries/joins';
import { inviterStats, memberJoins, outbox, rewardRoleGrants } from '../../db/schema';
import type { Db } from '../../db/client';
import { createTestDb, dbKinds, storeGuild, type TestDb } from '../helpers/db';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const MEMBERS = ['200000000000000001', '200000000000000002', '200000000000000003'];
const INVITER = '400000000000000001';
const ROLE = '700000000000000001';

/** A join: which member, how long after the previous one (0: the same event again, a replay). */
type Join = { member: number; afterMs: number };

const joinArb: fc.Arbitrary<Join> = fc.record({
  member: fc.nat(MEMBERS.length - 1),
  afterMs: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.nat(5) }),
});

/** Before the run: some members hold an open, exact join through INVITER, and some a reward role. */
async function setUp(db: Db, guildId: string, earlier: boolean[], roles: boolean[]) {
  await storeGuild(db, guildId);
  for (const [i, memberId] of MEMBERS.entries()) {
    if (roles[i])
      await db.insert(rewardRoleGrants).values({ guildId, userId: memberId, roleId: ROLE });
    if (!earlier[i]) continue;
    const joinedAt = new Date(T0 - 60_000);
    await recordPendingJoin(db, { guildId, memberId, joinedAt, memberBot: false });
    await db.transaction((tx) =>
      applyDecision(
        tx,
        {
          guildId,
          memberId,
          joinedAt,
          memberBot: false,
          outcome: 'exact',
          reason: 'single_code',
          code: 'c1',
          inviterId: INVITER,
          candidates: null,
        },
        { xpPerInvite: 10, excluded: false },
      ),
    );
  }
}

async function recorded(db: Db, guildId: string) {
  const joins = await db
    .select({
      memberId: memberJoins.memberId,
      joinedAt: memberJoins.joinedAt,
      leftAt: memberJoins.leftAt,
      outcome: memberJoins.outcome,
    })
    .from(memberJoins)
    .where(eq(memberJoins.guildId, guildId))
    .orderBy(asc(memberJoins.memberId), asc(memberJoins.joinedAt));
  const stats = await db
    .select({
      invites: inviterStats.invites,
      leaves: inviterStats.leaves,
      joins: inviterStats.joins,
    })
    .from(inviterStats)
    .where(eq(inviterStats.guildId, guildId));
  const roleRows = await db
    .select({ targetId: outbox.targetId })
    .from(outbox)
    .where(and(eq(outbox.guildId, guildId), eq(outbox.kind, 'role')))
    .orderBy(asc(outbox.targetId));
  // A member twice in one batch is queued once (a second row would make the same call again).
  return { joins, stats, roleTargets: [...new Set(roleRows.map((r) => r.targetId))] };
}

describe.each(dbKinds)('recording joins in batches on %s', (kind) => {
  let handle: TestDb;
  let nextGuild = 100000000000007000n;
  beforeAll(async () => {
    handle = await createTestDb(kind);
  });
  afterAll(() => handle.dispose());

  it('leaves the same records as one join at a time, however the joins are batched', async () => {
    const db = handle.db;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: MEMBERS.length, maxLength: MEMBERS.length }),
        fc.array(fc.boolean(), { minLength: MEMBERS.length, maxLength: MEMBERS.length }),
        fc.array(joinArb, { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 25 }),
        async (earlier, roles, run, cuts) => {
          const one = String(++nextGuild);
          const batched = String(++nextGuild);
          await setUp(db, one, earlier, roles);
          await setUp(db, batched, earlier, roles);
          let clock = T0;
          const joins = run.map((j): PendingJoinRecord => {
            clock += j.afterMs;
            return {
              guildId: batched,
              memberId: MEMBERS[j.member]!,
              joinedAt: new Date(clock),
              memberBot: false,
              receivedAt: new Date(clock + 50),
            };
          });
          for (const join of joins) await recordPendingJoin(db, { ...join, guildId: one });
          for (let at = 0, c = 0; at < joins.length; c++) {
            const size = cuts[c % cuts.length]!;
            await recordPendingJoins(db, batched, joins.slice(at, at + size));
            at += size;
          }
          expect(await recorded(db, batched)).toEqual(await recorded(db, one));
        },
      ),
      { numRuns: kind === 'pglite' ? 40 : 60 },
    );
  }, 120_000);
});
