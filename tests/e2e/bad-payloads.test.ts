import { afterEach, describe, expect, it } from 'vitest';
import { decidedJoin, eventually, primed, startStack, type Stack } from './stack';

describe('malformed and unexpected gateway payloads', () => {
  let stack: Stack;
  afterEach(async () => stack?.stop());

  it('are logged and counted, never crash the gateway, and later joins still work', async () => {
    stack = await startStack();
    const { sim, gateway } = stack;
    const guild = sim.createGuild({ name: 'Robust' });
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(guild.id, alice.id);
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    await primed(stack, guild.id);

    sim.dispatchRaw('GUILD_MEMBER_ADD', { guild_id: guild.id }, guild.id);
    sim.dispatchRaw(
      'GUILD_MEMBER_ADD',
      {
        guild_id: guild.id,
        user: { id: 'not-a-snowflake', username: 'x' },
        joined_at: 'yesterday',
      },
      guild.id,
    );
    sim.dispatchRaw(
      'GUILD_MEMBER_ADD',
      {
        guild_id: '999999999999999999',
        user: { id: '123456789012345678', username: 'ghost' },
        joined_at: new Date().toISOString(),
      },
      null,
    );
    sim.dispatchRaw('INVITE_CREATE', { guild_id: guild.id, code: 42 }, guild.id);
    sim.dispatchRaw('INVITE_DELETE', null, guild.id);
    sim.dispatchRaw('GUILD_CREATE', { id: guild.id }, null);
    sim.dispatchRaw('GUILD_MEMBER_REMOVE', { guild_id: guild.id, user: {} }, guild.id);

    const counted = async () => {
      const metric = await gateway.metrics.badPayloads.get();
      return metric.values.reduce((sum, v) => sum + v.value, 0);
    };
    await eventually(async () => (await counted()) >= 7);
    const values = (await gateway.metrics.badPayloads.get()).values;
    expect(values).toContainEqual(
      expect.objectContaining({
        labels: { event: 'GUILD_MEMBER_ADD', problem: 'malformed' },
        value: 2,
      }),
    );
    expect(values).toContainEqual(
      expect.objectContaining({
        labels: { event: 'GUILD_MEMBER_ADD', problem: 'unknown_guild' },
        value: 1,
      }),
    );
    expect(gateway.ready()).toBe(true);

    const bob = sim.createUser({ username: 'bob' });
    await sim.join(guild.id, bob.id, { code: invite.code });
    expect(await decidedJoin(stack, guild.id, bob.id)).toMatchObject({
      outcome: 'exact',
      code: invite.code,
    });
  });
});
