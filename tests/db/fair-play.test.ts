/**
 * Fair play in the database: an admin clearing a fake mark (XP once-only), the history's fair-play
 * filters and the overview's counts, and the reward timer's claim: exactly once when two
 * processes race, and what one poll costs with many rewards waiting.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearFake, ClearFakeError, releaseDueRewards } from '../../db/queries/fair-play';
import { countJoins, listJoins, recentJoinSummary } from '../../db/queries/history';
import { applyDecision, recordPendingJoin } from '../../db/queries/joins';
import { inviterCounts } from '../../db/queries/leaderboard';
import { getGuildSettings, updateGuildSettings } from '../../db/queries/settings';
import { memberJoins, memberXp } from '../../db/schema';
import { createTestDb, dbKinds, storeGuild, type TestDb } from '../helpers/db';

const DAY = 24 * 60 * 60_000;
const INVITER = '400000000000000001';
let nextGuild = 100000000000000700n;
let nextMember = 210000000000000000n;

describe.each(dbKinds)('fair play on %s', (kind) => {
  let handle: TestDb;
  beforeAll(async () => {
    handle = await createTestDb(kind);
  });
  afterAll(() => handle.dispose());

  async function guild(settings = {}) {
    const id = String(++nextGuild);
    await storeGuild(handle.db, id);
    await updateGuildSettings(handle.db, id, settings, null);
    return id;
  }

  async function join(
    guildId: string,
    code: string,
    memberId = String(++nextMember),
    at = Date.now(),
  ) {
    const joinedAt = new Date(at);
    await recordPendingJoin(handle.db, {
      guildId,
      memberId,
      joinedAt,
      memberBot: false,
      hasAvatar: false,
    });
    const settings = await getGuildSettings(handle.db, guildId);
    return handle.db.transaction((tx) =>
      applyDecision(
        tx,
        {
          guildId,
          memberId,
          joinedAt,
          memberBot: false,
          outcome: 'exact',
          reason: 'single_code',
          code,
          inviterId: INVITER,
          candidates: null,
        },
        { xpPerInvite: settings.xpPerInvite, excluded: false, fairPlay: settings },
      ),
    );
  }

  const xp = async () => {
    const rows = await handle.db.select().from(memberXp).where(eq(memberXp.userId, INVITER));
    return rows.reduce((sum, r) => sum + r.xp, 0);
  };

  it('clearing a fake mark pays once, counts the join as regular, and cannot be repeated', async () => {
    const g = await guild({ fakeNoAvatar: true });
    const before = await xp();
    const fake = await join(g, 'abc');
    expect(fake).toMatchObject({ fake: true, fakeFlags: ['no_avatar'], xpAwarded: 0 });
    expect(await inviterCounts(handle.db, g, INVITER)).toMatchObject({
      total: 0,
      regular: 1,
      fake: 1,
    });
    const settings = await getGuildSettings(handle.db, g);
    const cleared = await handle.db.transaction((tx) =>
      clearFake(tx, { guildId: g, joinId: fake.joinId, settings, now: new Date() }),
    );
    expect(cleared).toEqual({ xpAwarded: 50, rewardStatus: 'released' });
    expect(await xp()).toBe(before + 50);
    expect(await inviterCounts(handle.db, g, INVITER)).toMatchObject({
      total: 1,
      regular: 1,
      fake: 0,
    });
    await expect(
      handle.db.transaction((tx) =>
        clearFake(tx, { guildId: g, joinId: fake.joinId, settings, now: new Date() }),
      ),
    ).rejects.toBeInstanceOf(ClearFakeError);
    // Another guild's admin cannot reach this join.
    const other = await guild();
    await expect(
      handle.db.transaction((tx) =>
        clearFake(tx, { guildId: other, joinId: fake.joinId, settings, now: new Date() }),
      ),
    ).rejects.toBeInstanceOf(ClearFakeError);
    expect(await xp()).toBe(before + 50);
  });

  it('filters the history by fake, pending reward and single flags; the overview counts them', async () => {
    const g = await guild({ fakeNoAvatar: true, fakeMode: 'any' });
    await join(g, 'one');
    await join(g, 'two');
    await updateGuildSettings(handle.db, g, { fakeNoAvatar: false, minStayDays: 2 }, null);
    await join(g, 'three');
    const ids = async (flag: 'fake' | 'reward_pending' | 'no_avatar' | 'rejoin') =>
      (await listJoins(handle.db, g, { flag })).rows.map((r) => r.code).sort();
    expect(await ids('fake')).toEqual(['one', 'two']);
    expect(await ids('no_avatar')).toEqual(['one', 'two']);
    expect(await ids('rejoin')).toEqual([]);
    expect(await ids('reward_pending')).toEqual(['three']);
    expect(await countJoins(handle.db, g, { flag: 'fake' })).toEqual({ count: 2, capped: false });
    expect(await recentJoinSummary(handle.db, g)).toMatchObject({
      total: 3,
      fake: 2,
      rewardPending: 1,
    });
  });

  it.runIf(kind === 'postgres')(
    'releases a due reward exactly once when two timers race',
    async () => {
      const g = await guild({ minStayDays: 1 });
      const before = await xp();
      const joins = [];
      for (let i = 0; i < 20; i++) joins.push(await join(g, `race${i}`));
      expect(joins.every((j) => j.rewardStatus === 'pending')).toBe(true);
      const later = new Date(Date.now() + 2 * DAY);
      const shards = { shardCount: 1, shardIds: [0] };
      const [a, b, c] = await Promise.all([
        releaseDueRewards(handle.db, later, shards, 7),
        releaseDueRewards(handle.db, later, shards, 7),
        releaseDueRewards(handle.db, later, shards, 7),
      ]);
      const rest = await releaseDueRewards(handle.db, later, shards);
      const all = [...a, ...b, ...c, ...rest];
      const released = all.map((r) => r.joinId);
      expect(new Set(released).size).toBe(released.length);
      // (Rewards of earlier tests' guilds on the same shard fall due too.)
      const mine = all.filter((r) => r.guildId === g).map((r) => r.joinId);
      expect(mine.sort()).toEqual(joins.map((j) => j.joinId).sort());
      expect(await xp()).toBe(before + all.reduce((sum, r) => sum + r.xpAwarded, 0));
      expect(all.filter((r) => r.guildId === g).every((r) => r.xpAwarded === 50)).toBe(true);
      expect(await releaseDueRewards(handle.db, later, shards)).toEqual([]);
    },
  );

  it('a poll with 20,000 rewards waiting and none due stays an index probe', async () => {
    const g = await guild({ minStayDays: 30 });
    const n = 20_000;
    await handle.db.execute(sql`
      insert into ${memberJoins} (guild_id, member_id, joined_at, outcome, inviter_id, code, reward_status, reward_due_at)
      select ${g}, 220000000000000000 + i, now() - (i || ' seconds')::interval, 'exact', ${INVITER}, 'bulk',
             'pending', now() + interval '30 days' - (i || ' seconds')::interval
      from generate_series(1, ${n}) as i`);
    await handle.db.execute(sql`analyze ${memberJoins}`);
    const shards = { shardCount: 1, shardIds: [0] };
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      expect(await releaseDueRewards(handle.db, new Date(), shards)).toEqual([]);
      times.push(performance.now() - start);
    }
    times.sort((x, y) => x - y);
    const median = times[10]!;
    console.log(`reward poll on ${kind}: ${n} waiting, none due: median ${median.toFixed(2)} ms`);
    expect(median).toBeLessThan(50);
  });
});
