import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countLeaderboard,
  getInviterStanding,
  getLeaderboard,
  recomputeInviterStats,
} from '../../db/queries/leaderboard';
import { awardInviteXp } from '../../db/queries/rewards';
import { memberJoins } from '../../db/schema';
import { createTestDb, dbKinds, type TestDb, storeGuild } from '../helpers/db';

const GUILD = '100000000000000042';
const inviter = (n: number) => String(400000000000000000n + BigInt(n));
const member = (n: number) => String(500000000000000000n + BigInt(n));

describe.each(dbKinds)('leaderboard on %s', (kind) => {
  let handle: TestDb;
  let clock = Date.parse('2026-01-01T00:00:00Z');

  async function join(inviterN: number, memberN: number, left = false) {
    clock += 1000;
    await handle.db.insert(memberJoins).values({
      guildId: GUILD,
      memberId: member(memberN),
      joinedAt: new Date(clock),
      outcome: 'exact',
      code: `code${inviterN}`,
      inviterId: inviter(inviterN),
      leftAt: left ? new Date(clock + 500) : null,
    });
    await recomputeInviterStats(handle.db, GUILD, inviter(inviterN));
  }

  beforeAll(async () => {
    handle = await createTestDb(kind);
    await storeGuild(handle.db, GUILD);
    // inviter 1: 3 present; inviter 2: 2 present + 1 left; inviter 3: 2 present; inviter 4: only a leaver;
    // inviter 5: the same member twice (left, then rejoined) counts once.
    for (const m of [1, 2, 3]) await join(1, m);
    for (const m of [4, 5]) await join(2, m);
    await join(2, 6, true);
    for (const m of [7, 8]) await join(3, m);
    await join(4, 9, true);
    await join(5, 10, true);
    await join(5, 10);
    for (let n = 0; n < 12; n++) await join(10 + n, 100 + n);
    await awardInviteXp(handle.db, {
      guildId: GUILD,
      code: 'code1',
      memberId: member(1),
      inviterId: inviter(1),
      joinId: null,
      xp: 50,
    });
  });
  afterAll(() => handle.dispose());

  it('orders by invites still in the server, ties share a rank and sort by inviter id', async () => {
    const top = await getLeaderboard(handle.db, GUILD, { limit: 4 });
    expect(top.map((r) => [r.rank, r.inviterId, r.invites, r.leaves])).toEqual([
      [1, inviter(1), 3, 0],
      [2, inviter(2), 2, 1],
      [2, inviter(3), 2, 0],
      [4, inviter(5), 1, 1],
    ]);
    expect(top[0]?.xp).toBe(50);
    expect(top[1]?.xp).toBe(0);
  });

  it('leaves out inviters whose invitees all left, and pages with correct ranks', async () => {
    expect(await countLeaderboard(handle.db, GUILD)).toBe(16);
    const page = await getLeaderboard(handle.db, GUILD, { limit: 5, offset: 10 });
    expect(page.map((r) => r.rank)).toEqual([4, 4, 4, 4, 4]);
    const all = await getLeaderboard(handle.db, GUILD, { limit: 100 });
    expect(all.map((r) => r.inviterId)).not.toContain(inviter(4));
  });

  it("gives an inviter's own standing outside the top 10, and null without invites", async () => {
    expect(await getInviterStanding(handle.db, GUILD, inviter(21))).toMatchObject({
      rank: 4,
      invites: 1,
    });
    expect(await getInviterStanding(handle.db, GUILD, inviter(4))).toBeNull();
    expect(await getInviterStanding(handle.db, GUILD, inviter(999))).toBeNull();
  });
});
