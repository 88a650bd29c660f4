/**
 * Reward roles end to end on the simulator: reaching a tier adds the role once (a 429 waited out,
 * a 500 and a gateway restart in between), falling below takes it away when the guild says so,
 * and a bot without Manage Roles or a role above the bot's is recorded once, never looped.
 */
import { and, eq } from 'drizzle-orm';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway } from '../../gateway/app';
import {
  failedRoleChanges,
  latestRoleSync,
  roleSyncDelivery,
  setRewardTiers,
  startRoleSync,
} from '../../db/queries/reward-roles';
import { updateGuildSettings } from '../../db/queries/settings';
import { guildSettings, outbox, rewardRoleGrants } from '../../db/schema';
import { DEFAULT_BOT_PERMISSIONS } from '../sim/permissions';
import { decidedJoin, eventually, gatewayOptions, primed, startStack, type Stack } from './stack';

const ROLE_ROUTE = 'PUT /guilds/:id/members/:id/roles/:id';
const ROLE_DELETE = 'DELETE /guilds/:id/members/:id/roles/:id';

describe('reward roles end to end', () => {
  let stack: Stack;
  afterEach(async () => stack?.stop());

  async function setup(
    o: { manageRoles?: boolean; roleAboveBot?: boolean; remove?: boolean } = {},
  ) {
    stack = await startStack();
    const { sim } = stack;
    const guild = sim.createGuild({
      name: 'Rewards',
      botPermissions: DEFAULT_BOT_PERMISSIONS | (o.manageRoles === false ? 0n : P.ManageRoles),
    });
    const recruiter = sim.createRole(guild.id, { name: 'Recruiter', permissions: 0n });
    const veteran = sim.createRole(guild.id, { name: 'Veteran', permissions: 0n });
    // Hierarchy: Recruiter, Veteran below the bot's role unless the test wants them above.
    sim.setRolePosition(guild.id, recruiter.id, 1);
    sim.setRolePosition(guild.id, veteran.id, 2);
    sim.setRolePosition(guild.id, guild.botRoleId, o.roleAboveBot ? 0 : 3);
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(guild.id, alice.id);
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    await primed(stack, guild.id);
    await updateGuildSettings(stack.db.db, guild.id, {}, null);
    await stack.db.db
      .update(guildSettings)
      .set({ rewardRoleRemove: o.remove ?? false })
      .where(eq(guildSettings.guildId, guild.id));
    await setRewardTiers(stack.db.db, guild.id, [
      { invites: 2, roleId: recruiter.id },
      { invites: 3, roleId: veteran.id },
    ]);
    let n = 0;
    const join = async () => {
      const member = sim.createUser({ username: `m${++n}` });
      await sim.join(guild.id, member.id, { code: invite.code });
      await decidedJoin(stack, guild.id, member.id);
      return member;
    };
    return { sim, guild, recruiter, veteran, alice, join };
  }

  const calls = (stack: Stack, route: string, userId: string, roleId?: string) =>
    stack.sim.requests.filter(
      (r) =>
        r.routeKey === route &&
        r.path.includes(`/members/${userId}/roles/`) &&
        (!roleId || r.path.endsWith(`/${roleId}`)),
    );

  async function roleRows(guildId: string) {
    return stack.db.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.guildId, guildId), eq(outbox.kind, 'role')));
  }

  it('adds the role once at the tier (a 429 waited out), and once across a 500 and a restart', async () => {
    const { sim, guild, recruiter, veteran, alice, join } = await setup();
    await join();
    expect(sim.memberRoles(guild.id, alice.id)).toEqual([]);
    sim.faults.rateLimit(ROLE_ROUTE, { count: 1, retryAfter: 0.2 });
    await join();
    await eventually(() => sim.memberRoles(guild.id, alice.id).includes(recruiter.id));
    expect(calls(stack, ROLE_ROUTE, alice.id).map((r) => r.status)).toEqual([429, 204]);

    // The next tier's call fails with a 500; the gateway stops before the retry and a new one sends it.
    sim.faults.serverError(ROLE_ROUTE, { count: 1 });
    await join();
    await eventually(() => calls(stack, ROLE_ROUTE, alice.id, veteran.id).length === 1);
    expect(calls(stack, ROLE_ROUTE, alice.id, veteran.id)[0]!.status).toBe(500);
    await stack.gateway.stop({ resumable: true });
    stack.gateway = await startGateway(...gatewayOptions(sim, stack.db));
    await eventually(() => sim.memberRoles(guild.id, alice.id).includes(veteran.id), 15_000);
    await stack.gateway.settled();
    expect(calls(stack, ROLE_ROUTE, alice.id, veteran.id).map((r) => r.status)).toEqual([500, 204]);
    expect(calls(stack, ROLE_ROUTE, alice.id, recruiter.id).map((r) => r.status)).toEqual([
      429, 204,
    ]);
    const rows = await roleRows(guild.id);
    expect(rows.map((r) => [r.targetId, r.status])).toEqual([
      [alice.id, 'sent'],
      [alice.id, 'sent'],
    ]);
    // A replayed event after the restart (RESUME) changed nothing.
    expect(sim.memberRoles(guild.id, alice.id).sort()).toEqual([recruiter.id, veteran.id].sort());
  });

  it('takes the role away when the inviter falls below the tier and the guild says so', async () => {
    const { sim, guild, recruiter, alice, join } = await setup({ remove: true });
    await join();
    const bob = await join();
    await eventually(() => sim.memberRoles(guild.id, alice.id).includes(recruiter.id));
    sim.leave(guild.id, bob.id);
    await eventually(() => !sim.memberRoles(guild.id, alice.id).includes(recruiter.id));
    await stack.gateway.settled();
    expect(calls(stack, ROLE_DELETE, alice.id, recruiter.id).map((r) => r.status)).toEqual([204]);
    const held = await stack.db.db
      .select()
      .from(rewardRoleGrants)
      .where(eq(rewardRoleGrants.guildId, guild.id));
    expect(held).toEqual([]);
  });

  it('keeps the role when the inviter falls below and removal is off (the default)', async () => {
    const { sim, guild, recruiter, alice, join } = await setup();
    await join();
    const bob = await join();
    await eventually(() => sim.memberRoles(guild.id, alice.id).includes(recruiter.id));
    sim.leave(guild.id, bob.id);
    await eventually(async () => {
      const rows = await roleRows(guild.id);
      return rows.length === 1 && rows[0]!.status === 'sent';
    });
    await stack.gateway.settled();
    expect(calls(stack, ROLE_DELETE, alice.id)).toEqual([]);
    expect(sim.memberRoles(guild.id, alice.id)).toEqual([recruiter.id]);
  });

  for (const [name, o] of [
    ['without Manage Roles', { manageRoles: false }],
    ['for a role above the bot', { roleAboveBot: true }],
  ] as const) {
    it(`records a refusal ${name} once for the doctor, never retried`, async () => {
      const { sim, guild, recruiter, alice, join } = await setup(o);
      await join();
      await join();
      await eventually(async () => (await failedRoleChanges(stack.db.db, guild.id)).count === 1);
      const failed = await failedRoleChanges(stack.db.db, guild.id);
      expect(failed.latest).toEqual([
        expect.objectContaining({
          userId: alice.id,
          roleId: recruiter.id,
          error: expect.stringContaining('50013'),
        }),
      ]);
      // Several outbox polls later: still the one refused call, and no new rows.
      await new Promise((resolve) => setTimeout(resolve, 700));
      await stack.gateway.settled();
      expect(calls(stack, ROLE_ROUTE, alice.id).map((r) => r.status)).toEqual([403]);
      expect(await roleRows(guild.id)).toHaveLength(1);
      expect(sim.memberRoles(guild.id, alice.id)).toEqual([]);
    });
  }

  it('sync roles: the gateway re-applies the tiers to everyone, with progress on the job', async () => {
    const { sim, guild, recruiter, alice, join } = await setup();
    await join();
    await join();
    await eventually(() => sim.memberRoles(guild.id, alice.id).includes(recruiter.id));
    // Someone takes the role away by hand; a sync gives it back, once.
    sim.setMemberRoles(guild.id, alice.id, []);
    const { job } = await startRoleSync(stack.db.db, guild.id, null);
    await eventually(async () => (await latestRoleSync(stack.db.db, guild.id))?.status === 'done');
    await eventually(() => sim.memberRoles(guild.id, alice.id).includes(recruiter.id));
    await stack.gateway.settled();
    expect(await latestRoleSync(stack.db.db, guild.id)).toMatchObject({
      id: job.id,
      status: 'done',
      total: 1,
      done: 1,
      queued: 1,
    });
    expect(await roleSyncDelivery(stack.db.db, job.id)).toEqual({ pending: 0, sent: 1, failed: 0 });
    expect(calls(stack, ROLE_ROUTE, alice.id, recruiter.id).map((r) => r.status)).toEqual([
      204, 204,
    ]);
  });

  it('an inviter who left the server: the refusal (Unknown Member) is recorded once, not a doctor problem', async () => {
    const { sim, guild, alice, join } = await setup();
    sim.leave(guild.id, alice.id);
    await join();
    await join();
    await eventually(async () => {
      const rows = await roleRows(guild.id);
      return rows.length === 1 && rows[0]!.status === 'failed' ? rows : undefined;
    });
    const [row] = await roleRows(guild.id);
    expect(row!.lastError).toMatch(/^10007 /);
    expect((await failedRoleChanges(stack.db.db, guild.id)).count).toBe(0);
    expect(calls(stack, ROLE_ROUTE, alice.id).map((r) => r.status)).toEqual([404]);
  });

  it('an inviter who leaves and comes back gets the roles on record again, once', async () => {
    const { sim, guild, recruiter, alice, join } = await setup();
    await join();
    await join();
    await eventually(() => sim.memberRoles(guild.id, alice.id).includes(recruiter.id));
    sim.leave(guild.id, alice.id);
    const back = sim.createInvite(guild.id, { inviterId: guild.ownerId });
    await sim.join(guild.id, alice.id, { code: back.code });
    await decidedJoin(stack, guild.id, alice.id);
    await eventually(() => sim.memberRoles(guild.id, alice.id).includes(recruiter.id));
    await stack.gateway.settled();
    expect(calls(stack, ROLE_ROUTE, alice.id, recruiter.id).map((r) => r.status)).toEqual([
      204, 204,
    ]);
  });
});
