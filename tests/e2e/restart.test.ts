import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway } from '../../gateway/app';
import { updateGuildSettings } from '../../db/queries/settings';
import { gatewaySessions, memberJoins, memberXp } from '../../db/schema';
import { decidedJoin, eventually, gatewayOptions, primed, startStack, type Stack } from './stack';

describe('restarts', () => {
  let stack: Stack;
  afterEach(async () => stack?.stop());

  it('RESUMEs after a restart: replayed events add nothing, missed events are attributed', async () => {
    stack = await startStack();
    const { sim, db } = stack;
    const guild = sim.createGuild({ name: 'Resume' });
    const log = sim.createChannel(guild.id, { name: 'log' });
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(guild.id, alice.id);
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    await primed(stack, guild.id);
    await updateGuildSettings(db.db, guild.id, { logChannelId: log.id }, null);

    const bob = sim.createUser({ username: 'bob' });
    const bobTruth = await sim.join(guild.id, bob.id, { code: invite.code });
    await decidedJoin(stack, guild.id, bob.id);
    await eventually(() => sim.messages(log.id).length === 1);

    await stack.gateway.stop({ resumable: true });
    // As if the process had died before storing its resume point: Discord will replay Bob's join.
    await db.db
      .update(gatewaySessions)
      .set({ sequence: bobTruth.sequence! - 1 })
      .where(eq(gatewaySessions.shardId, 0));
    const carol = sim.createUser({ username: 'carol' });
    await sim.join(guild.id, carol.id, { code: invite.code });

    stack.gateway = await startGateway(...gatewayOptions(sim, db));
    await decidedJoin(stack, guild.id, carol.id);
    await eventually(() => sim.messages(log.id).length === 2);
    await stack.gateway.settled();

    expect(
      sim.shards.sessions?.[0]?.resumes ?? sim.dispatchLog.filter((d) => d.replay).length,
    ).toBeGreaterThan(0);
    expect(
      sim.dispatchLog.some(
        (d) => d.replay && d.t === 'GUILD_MEMBER_ADD' && d.s === bobTruth.sequence,
      ),
    ).toBe(true);
    const rows = await db.db.select().from(memberJoins).where(eq(memberJoins.guildId, guild.id));
    expect(rows.map((r) => [r.memberId, r.outcome]).sort()).toEqual(
      [
        [bob.id, 'exact'],
        [carol.id, 'exact'],
      ].sort(),
    );
    const [xp] = await db.db.select().from(memberXp).where(eq(memberXp.userId, alice.id));
    expect(xp?.xp).toBe(100);
    expect(sim.messages(log.id)).toHaveLength(2);
    expect(sim.messages(log.id)[1]!.content).toMatch(/Einladungs-Count: 2$/);
  });

  it('after losing the session, finds joins that happened while it was away and attributes them', async () => {
    stack = await startStack({ sim: { sessionTtlMs: 200 } });
    const { sim, db } = stack;
    const guild = sim.createGuild({ name: 'Downtime' });
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(guild.id, alice.id);
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    await primed(stack, guild.id);

    await stack.gateway.stop({ resumable: true });
    const dave = sim.createUser({ username: 'dave' });
    await sim.join(guild.id, dave.id, { code: invite.code });
    await new Promise((resolve) => setTimeout(resolve, 400)); // the session expires

    stack.gateway = await startGateway(...gatewayOptions(sim, db));
    expect(await decidedJoin(stack, guild.id, dave.id)).toMatchObject({
      outcome: 'exact',
      code: invite.code,
      inviterId: alice.id,
    });
    expect(sim.shards.identifies).toBe(2);
  });

  it('retries the member list after a 5xx and only then moves the baseline: the missed join is recorded', async () => {
    stack = await startStack({ sim: { sessionTtlMs: 200 } });
    const { sim, db } = stack;
    const guild = sim.createGuild({ name: 'Downtime 5xx' });
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(guild.id, alice.id);
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    await primed(stack, guild.id);

    await stack.gateway.stop({ resumable: true });
    const dave = sim.createUser({ username: 'dave' });
    await sim.join(guild.id, dave.id, { code: invite.code });
    await new Promise((resolve) => setTimeout(resolve, 400)); // the session expires
    sim.faults.serverError('GET /guilds/:id/members', { count: 6, status: 502 });

    stack.gateway = await startGateway(
      ...gatewayOptions(sim, db, { downtimeRetryDelaysMs: [200, 400] }),
    );
    expect(await decidedJoin(stack, guild.id, dave.id)).toMatchObject({
      outcome: 'exact',
      code: invite.code,
      inviterId: alice.id,
    });
    const listed = sim.requests.filter((r) => r.routeKey === 'GET /guilds/:id/members');
    // Each listing already retries a 5xx a few times (discord/retry.ts): the first one failed for good.
    expect(listed.length).toBeGreaterThanOrEqual(7);
  });
});
