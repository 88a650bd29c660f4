/**
 * Bonus invites in the database: part of the total and the leaderboard, negative too, exactly once
 * per request id (a replayed command or a form posted twice), audited; and the bounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/queries/audit';
import { giveBonus, listBonuses } from '../../db/queries/bonus';
import { applyDecision, recordPendingJoin } from '../../db/queries/joins';
import { getLeaderboard, inviterCounts, rebuildInviterStats } from '../../db/queries/leaderboard';
import { BONUS_MAX, BONUS_REASON_MAX, checkBonus } from '../../db/shared/bonus';
import { createTestDb, dbKinds, storeGuild, type TestDb } from '../helpers/db';

const ADMIN = '300000000000000001';
let nextGuild = 100000000000000900n;
let nextMember = 220000000000000000n;

describe('checkBonus', () => {
  it('accepts whole non-zero amounts within the bounds and a trimmed reason', () => {
    expect(checkBonus('5', ' Turnier ')).toEqual({
      ok: true,
      value: { amount: 5, reason: 'Turnier' },
    });
    expect(checkBonus(-BONUS_MAX, 'x')).toEqual({
      ok: true,
      value: { amount: -BONUS_MAX, reason: 'x' },
    });
    expect(checkBonus('+3', 'a\u0000b')).toEqual({ ok: true, value: { amount: 3, reason: 'a b' } });
  });
  it.each([
    [0, 'r', ['amount']],
    [BONUS_MAX + 1, 'r', ['amount']],
    ['1.5', 'r', ['amount']],
    ['1e3', 'r', ['amount']],
    ['', 'r', ['amount']],
    [NaN, 'r', ['amount']],
    [2, '   ', ['reason']],
    [2, 'x'.repeat(BONUS_REASON_MAX + 1), ['reason']],
    [2, undefined, ['reason']],
    [0, '', ['amount', 'reason']],
  ])('refuses %s / %j', (amount, reason, errors) => {
    expect(checkBonus(amount, reason)).toEqual({ ok: false, errors });
  });
});

describe.each(dbKinds)('bonus invites on %s', (kind) => {
  let handle: TestDb;
  beforeAll(async () => {
    handle = await createTestDb(kind);
  });
  afterAll(() => handle.dispose());

  async function guild() {
    const id = String(++nextGuild);
    await storeGuild(handle.db, id);
    return id;
  }

  async function invite(guildId: string, inviterId: string) {
    const memberId = String(++nextMember);
    const joinedAt = new Date();
    const facts = { guildId, memberId, joinedAt, memberBot: false };
    await recordPendingJoin(handle.db, { ...facts, hasAvatar: true });
    await handle.db.transaction((tx) =>
      applyDecision(
        tx,
        {
          ...facts,
          outcome: 'exact',
          reason: 'single_code',
          code: 'c' + inviterId,
          inviterId,
          candidates: null,
        },
        { xpPerInvite: 50, excluded: false },
      ),
    );
  }

  const give = (guildId: string, memberId: string, amount: number, requestId: string) =>
    giveBonus(handle.db, {
      guildId,
      memberId,
      amount,
      reason: 'Event',
      actorId: ADMIN,
      requestId,
      via: 'command',
    });

  it('adds to the total, once per request, and subtracts when negative', async () => {
    const g = await guild();
    const alice = String(++nextMember);
    await invite(g, alice);
    await invite(g, alice);
    expect((await give(g, alice, 5, 'r1')).counts).toMatchObject({
      total: 7,
      regular: 2,
      bonus: 5,
    });
    // The same request again (a replayed interaction): nothing changes.
    expect(await give(g, alice, 5, 'r1')).toMatchObject({ applied: false, counts: { total: 7 } });
    expect((await give(g, alice, -3, 'r2')).counts).toMatchObject({ total: 4, bonus: 2 });
    expect(await listBonuses(handle.db, g, alice)).toMatchObject([
      { amount: -3, reason: 'Event', createdBy: ADMIN },
      { amount: 5 },
    ]);
    const audit = await listAudit(handle.db, g, { action: 'bonus.add' });
    expect(audit.map((a) => a.details)).toMatchObject([
      { memberId: alice, amount: -3, via: 'command' },
      { memberId: alice, amount: 5 },
    ]);
    // The repair from the records agrees with the live counters.
    await rebuildInviterStats(handle.db, g);
    expect(await inviterCounts(handle.db, g, alice)).toMatchObject({ total: 4, bonus: 2 });
  });

  it('puts a member who invited nobody on the leaderboard, ranked by the total', async () => {
    const g = await guild();
    const [alice, bob] = [String(++nextMember), String(++nextMember)];
    await invite(g, alice);
    await invite(g, alice);
    await give(g, bob, 3, 'b1');
    const board = await getLeaderboard(handle.db, g);
    expect(board.map((r) => [r.rank, r.inviterId, r.invites, r.bonus])).toEqual([
      [1, bob, 3, 3],
      [2, alice, 2, 0],
    ]);
    // A negative total drops them from the board (only inviters with invites are listed).
    await give(g, bob, -10, 'b2');
    expect((await getLeaderboard(handle.db, g)).map((r) => r.inviterId)).toEqual([alice]);
  });

  it('keeps bonuses of other guilds apart, even with the same request id', async () => {
    const [g1, g2] = [await guild(), await guild()];
    const alice = String(++nextMember);
    expect((await give(g1, alice, 2, 'same')).applied).toBe(true);
    expect((await give(g2, alice, 4, 'same')).applied).toBe(true);
    expect((await inviterCounts(handle.db, g1, alice)).total).toBe(2);
    expect((await inviterCounts(handle.db, g2, alice)).total).toBe(4);
  });
});
