import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shardForGuild, startSimulator, type SimGuild, type Simulator } from './index';
import { data, startBot, type TestBot } from './helpers';

let sim: Simulator;
const bots: TestBot[] = [];

beforeEach(async () => {
  sim = await startSimulator({ heartbeatIntervalMs: 1000, seed: 99 });
});

afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.destroy();
  await sim.close();
});

/** Create guilds until each of `count` shards has at least `perShard` of them. */
function guildsOnEveryShard(count: number, perShard: number): SimGuild[] {
  const guilds: SimGuild[] = [];
  const tally = new Array<number>(count).fill(0);
  while (tally.some((n) => n < perShard)) {
    const g = sim.createGuild();
    guilds.push(g);
    tally[shardForGuild(g.id, count)]! += 1;
  }
  return guilds;
}

describe('sharding', () => {
  it('two shards (one manager) each get only their guilds', async () => {
    const guilds = guildsOnEveryShard(2, 2);
    const bot = await startBot(sim, { shardCount: 2 });
    bots.push(bot);
    const creates = () => bot.events.filter((e) => e.t === 'GUILD_CREATE');
    await sim.waitFor(() => creates().length === guilds.length);
    for (const e of creates()) expect(shardForGuild(String(data(e).id), 2)).toBe(e.shardId);
    expect(sim.shards.connected).toEqual([0, 1]);

    // Events follow their guild's shard; a DM interaction goes to shard 0.
    for (const g of guilds) await sim.join(g.id, sim.createUser().id, { source: 'discovery' });
    await sim.waitFor(
      () => bot.events.filter((e) => e.t === 'GUILD_MEMBER_ADD').length === guilds.length,
    );
    for (const e of bot.events.filter((x) => x.t === 'GUILD_MEMBER_ADD')) {
      expect(shardForGuild(String(data(e).guild_id), 2)).toBe(e.shardId);
    }
    const user = sim.createUser();
    sim.addMember(guilds[0]!.id, user.id);
    await sim.invokeCommand({ userId: user.id, name: 'invites' });
    const dm = await bot.waitForEvent((e) => e.t === 'INTERACTION_CREATE');
    expect(dm.shardId).toBe(0);
  });

  it('separate processes per shard: READY lists only that shard’s guilds', async () => {
    const guilds = guildsOnEveryShard(2, 1);
    const [zero, one] = [
      await startBot(sim, { shardCount: 2, shardIds: [0] }),
      await startBot(sim, { shardCount: 2, shardIds: [1] }),
    ];
    bots.push(zero!, one!);
    const readyGuilds = (b: TestBot) =>
      (data(b.events.find((e) => e.t === 'READY')!).guilds as { id: string }[])
        .map((g) => g.id)
        .sort();
    expect(readyGuilds(zero!)).toEqual(
      guilds
        .filter((g) => shardForGuild(g.id, 2) === 0)
        .map((g) => g.id)
        .sort(),
    );
    expect(readyGuilds(one!)).toEqual(
      guilds
        .filter((g) => shardForGuild(g.id, 2) === 1)
        .map((g) => g.id)
        .sort(),
    );
    const target = guilds.find((g) => shardForGuild(g.id, 2) === 1)!;
    const truth = await sim.join(target.id, sim.createUser().id, { source: 'discovery' });
    const add = await one!.waitForEvent((e) => e.t === 'GUILD_MEMBER_ADD');
    expect(add.s).toBe(truth.sequence);
    expect(zero!.events.some((e) => e.t === 'GUILD_MEMBER_ADD')).toBe(false);
  });

  it('refuses IDENTIFY with 4011 when a shard would hold too many guilds', async () => {
    await sim.close();
    sim = await startSimulator({ maxGuildsPerShard: 2 });
    for (let i = 0; i < 3; i++) sim.createGuild();
    const bot = await startBot(sim, { connect: false });
    bots.push(bot);
    await expect(bot.gateway.connect()).rejects.toThrow('Sharding is required');
  });
});
