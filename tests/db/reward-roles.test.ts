/**
 * Reward roles in the database: the roles on record and the outbox rows follow the tier decision
 * exactly once per change, under replays (the same recompute again, concurrently too) and random
 * walks of the total; "sync roles" goes through every inviter in pages and re-queues held roles.
 */
import { and, eq, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addInviteBonus } from '../../db/queries/fair-play';
import { recomputeInviterStats } from '../../db/queries/leaderboard';
import {
  latestRoleSync,
  runRoleSyncPage,
  setRewardTiers,
  startRoleSync,
  TierError,
} from '../../db/queries/reward-roles';
import { restoreSeason, startSeason } from '../../db/queries/seasons';
import { updateGuildSettings } from '../../db/queries/settings';
import { guildSettings, outbox, rewardRoleGrants } from '../../db/schema';
import { wantedRoles, type RewardRoleRules } from '../../db/shared/reward-roles';
import { createTestDb, dbKinds, storeGuild, type TestDb } from '../helpers/db';

const ROLE = (n: number) => `80000000000000000${n}`;
const TIERS = [
  { invites: 2, roleId: ROLE(1) },
  { invites: 4, roleId: ROLE(2) },
  { invites: 7, roleId: ROLE(3) },
];
let nextGuild = 100000000000009000n;
let nextUser = 300000000000009000n;

describe.each(dbKinds)('reward roles on %s', (kind) => {
  let handle: TestDb;
  beforeAll(async () => {
    handle = await createTestDb(kind);
  });
  afterAll(() => handle.dispose());

  async function guild(rules: RewardRoleRules) {
    const id = String(++nextGuild);
    await storeGuild(handle.db, id);
    await updateGuildSettings(handle.db, id, {}, null);
    await handle.db
      .update(guildSettings)
      .set({ rewardRoleMode: rules.mode, rewardRoleRemove: rules.removeBelow })
      .where(eq(guildSettings.guildId, id));
    await setRewardTiers(handle.db, id, TIERS);
    return id;
  }

  async function roleRows(guildId: string, userId: string) {
    return handle.db
      .select({ body: outbox.body })
      .from(outbox)
      .where(and(eq(outbox.guildId, guildId), eq(outbox.kind, 'role'), eq(outbox.targetId, userId)))
      .orderBy(outbox.id);
  }

  async function grants(guildId: string, userId: string) {
    const rows = await handle.db
      .select({ roleId: rewardRoleGrants.roleId })
      .from(rewardRoleGrants)
      .where(and(eq(rewardRoleGrants.guildId, guildId), eq(rewardRoleGrants.userId, userId)));
    return new Set(rows.map((r) => r.roleId));
  }

  it('refuses bad tiers', async () => {
    const id = await guild({ mode: 'stack', removeBelow: false });
    await expect(
      setRewardTiers(handle.db, id, [
        { invites: 2, roleId: ROLE(1) },
        { invites: 2, roleId: ROLE(2) },
      ]),
    ).rejects.toThrow(TierError);
    await expect(setRewardTiers(handle.db, id, [{ invites: 0, roleId: ROLE(1) }])).rejects.toThrow(
      TierError,
    );
    await expect(
      setRewardTiers(handle.db, id, [
        { invites: 1, roleId: ROLE(1) },
        { invites: 3, roleId: ROLE(1) },
      ]),
    ).rejects.toThrow(TierError);
  });

  it('one outbox row per role change along random bonus walks with replays', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record<RewardRoleRules>({
          mode: fc.constantFrom('stack', 'highest'),
          removeBelow: fc.boolean(),
        }),
        fc.array(
          fc.oneof(
            fc.record({ bonus: fc.integer({ min: -4, max: 5 }).filter((n) => n !== 0) }),
            fc.record({ replays: fc.integer({ min: 1, max: 3 }) }),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        async (rules, steps) => {
          const guildId = await guild(rules);
          const userId = String(++nextUser);
          let total = 0;
          let model = new Set<string>();
          let expected: { roleId: string; action: string }[] = [];
          for (const step of steps) {
            if ('bonus' in step) {
              await addInviteBonus(handle.db, {
                guildId,
                inviterId: userId,
                amount: step.bonus,
                reason: null,
                createdBy: null,
              });
              total += step.bonus;
              const next = wantedRoles(total, TIERS, model, rules);
              const add = [...next].filter((r) => !model.has(r)).sort();
              const remove = [...model].filter((r) => !next.has(r)).sort();
              expected = [
                ...expected,
                ...add.map((roleId) => ({ roleId, action: 'add' })),
                ...remove.map((roleId) => ({ roleId, action: 'remove' })),
              ];
              model = next;
            } else {
              // The same change replayed, concurrently: nothing new is queued.
              await Promise.all(
                Array.from({ length: step.replays }, () =>
                  handle.db.transaction((tx) => recomputeInviterStats(tx, guildId, userId)),
                ),
              );
            }
          }
          expect((await roleRows(guildId, userId)).map((r) => r.body)).toEqual(expected);
          expect(await grants(guildId, userId)).toEqual(model);
        },
      ),
      { numRuns: kind === 'pglite' ? 25 : 40 },
    );
  });

  it('sync roles: every inviter in pages, held roles queued again, progress on the job', async () => {
    const guildId = await guild({ mode: 'stack', removeBelow: false });
    const users = Array.from({ length: 5 }, () => String(++nextUser));
    for (const [i, userId] of users.entries()) {
      await addInviteBonus(handle.db, {
        guildId,
        inviterId: userId,
        amount: i * 2,
        reason: null,
        createdBy: null,
      });
    }
    const before = await handle.db.select().from(outbox).where(eq(outbox.guildId, guildId));
    // 0, 2, 4, 6, 8 invites: 0 + 1 + 2 + 2 + 3 roles.
    expect(before).toHaveLength(8);
    const { job, started } = await startRoleSync(handle.db, guildId, null);
    expect(started).toBe(true);
    expect(job.total).toBe(5);
    expect((await startRoleSync(handle.db, guildId, null)).started).toBe(false);
    const here = sql`"role_sync_jobs"."guild_id" = ${guildId}`;
    const first = await runRoleSyncPage(handle.db, here, 2);
    expect(first).toMatchObject({ done: 2, finished: false });
    expect(await latestRoleSync(handle.db, guildId)).toMatchObject({ done: 2, status: 'running' });
    await runRoleSyncPage(handle.db, here, 2);
    expect(await runRoleSyncPage(handle.db, here, 2)).toMatchObject({ done: 5, finished: true });
    expect(await runRoleSyncPage(handle.db, here, 2)).toBeNull();
    const synced = await latestRoleSync(handle.db, guildId);
    expect(synced).toMatchObject({ status: 'done', done: 5, queued: 8 });
    const jobRows = await handle.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.guildId, guildId), sql`(${outbox.body}->>'job')::bigint = ${job.id}`));
    expect(jobRows).toHaveLength(8);
    expect(jobRows.every((r) => (r.body as { action: string }).action === 'add')).toBe(true);
  });

  it('a restarted sync (counts changed for everyone) goes through every inviter again', async () => {
    const guildId = await guild({ mode: 'stack', removeBelow: false });
    for (let i = 0; i < 3; i++) {
      await addInviteBonus(handle.db, {
        guildId,
        inviterId: String(++nextUser),
        amount: 2,
        reason: null,
        createdBy: null,
      });
    }
    const { job } = await startRoleSync(handle.db, guildId, null);
    const here = sql`"role_sync_jobs"."guild_id" = ${guildId}`;
    expect(await runRoleSyncPage(handle.db, here, 2)).toMatchObject({ done: 2, finished: false });
    const again = await startRoleSync(handle.db, guildId, null, { restart: true });
    expect(again).toMatchObject({ started: true, job: { id: job.id, done: 0, cursor: null } });
    expect(await runRoleSyncPage(handle.db, here, 2)).toMatchObject({ done: 2, finished: false });
    expect(await runRoleSyncPage(handle.db, here, 2)).toMatchObject({ done: 3, finished: true });
    expect(await latestRoleSync(handle.db, guildId)).toMatchObject({ queued: 5, status: 'done' });
  });

  it('a season reset and its restore re-apply the tiers to the new totals (roles taken away, given back)', async () => {
    const guildId = await guild({ mode: 'stack', removeBelow: true });
    const [kept, other] = [String(++nextUser), String(++nextUser)];
    for (const [userId, amount] of [
      [kept, 4],
      [other, 2],
    ] as const) {
      await addInviteBonus(handle.db, {
        guildId,
        inviterId: userId,
        amount,
        reason: null,
        createdBy: null,
      });
    }
    expect(await grants(guildId, kept)).toEqual(new Set([ROLE(1), ROLE(2)]));
    const here = sql`"role_sync_jobs"."guild_id" = ${guildId}`;
    const drain = async () => {
      while (await runRoleSyncPage(handle.db, here, 1));
    };
    const actions = async (userId: string) =>
      (await roleRows(guildId, userId)).map((r) => r.body as { roleId: string; action: string });

    // The bonuses are older than the new season: everyone starts it at 0 and loses the tier roles.
    await startSeason(handle.db, {
      guildId,
      actorId: String(++nextUser),
      resetXp: false,
      now: new Date(Date.now() + 60_000),
    });
    expect(await latestRoleSync(handle.db, guildId)).toMatchObject({ status: 'running', done: 0 });
    await drain();
    expect(await latestRoleSync(handle.db, guildId)).toMatchObject({ status: 'done', done: 2 });
    expect(await grants(guildId, kept)).toEqual(new Set());
    expect(await grants(guildId, other)).toEqual(new Set());
    expect(
      (await actions(kept))
        .filter((a) => a.action === 'remove')
        .map((a) => a.roleId)
        .sort(),
    ).toEqual([ROLE(1), ROLE(2)]);

    // The restore brings the old totals back, and with them the roles.
    await restoreSeason(handle.db, { guildId, actorId: String(++nextUser), now: new Date() });
    await drain();
    expect(await grants(guildId, kept)).toEqual(new Set([ROLE(1), ROLE(2)]));
    expect(await grants(guildId, other)).toEqual(new Set([ROLE(1)]));
    expect((await actions(other)).map((a) => a.action)).toEqual(['add', 'remove', 'add']);
  });

  it('a season reset in a guild without tiers starts no role sync', async () => {
    const guildId = String(++nextGuild);
    await storeGuild(handle.db, guildId);
    await updateGuildSettings(handle.db, guildId, { rewardRoleRemove: true }, null);
    await startSeason(handle.db, {
      guildId,
      actorId: String(++nextUser),
      resetXp: false,
      now: new Date(),
    });
    expect(await latestRoleSync(handle.db, guildId)).toBeNull();
  });
});
