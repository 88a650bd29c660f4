/**
 * The scale benchmark's world in the simulator: guilds of 20 channels, 15 roles and 25 invites from
 * 5 inviting members, with ids spread evenly over the shards (a guild's shard is its id's timestamp
 * part modulo the shard count). Each guild is filled before the bot joins it, so its GUILD_CREATE
 * carries everything, as Discord's does.
 */
import type { Simulator } from '../../sim';
import { prng } from './stats';

export const WORLD = { channels: 20, roles: 15, invites: 25, inviters: 5 } as const;

export type ScaleGuild = { id: string; channelIds: string[]; codes: string[] };

/** Consecutive millisecond timestamps ten days ago: guild i lands on shard (base + i) % count. */
const BASE = BigInt(Date.now() - 10 * 86_400_000 - 1_420_070_400_000);

export function addScaleGuilds(sim: Simulator, from: number, count: number): ScaleGuild[] {
  const random = prng(16_000 + from);
  const guilds: ScaleGuild[] = [];
  for (let i = from; i < from + count; i++) {
    const guild = sim.createGuild({
      id: String(((BASE + BigInt(i)) << 22n) + 1n),
      name: `Scale ${i}`,
      withBot: false,
    });
    const channelIds = [guild.defaultChannelId];
    for (let c = 1; c < WORLD.channels; c++)
      channelIds.push(sim.createChannel(guild.id, { name: `channel-${c}` }).id);
    // createGuild made @everyone and the bot's role.
    for (let r = 2; r < WORLD.roles; r++)
      sim.createRole(guild.id, { name: `role-${r}`, permissions: 0n });
    const inviters = Array.from({ length: WORLD.inviters }, () => {
      const user = sim.createUser();
      sim.addMember(guild.id, user.id);
      return user.id;
    });
    const codes = Array.from(
      { length: WORLD.invites },
      () =>
        sim.createInvite(guild.id, {
          channelId: channelIds[Math.floor(random() * channelIds.length)]!,
          inviterId: inviters[Math.floor(random() * inviters.length)]!,
          maxUses: random() < 0.3 ? 100 : 0,
        }).code,
    );
    guilds.push({ id: guild.id, channelIds, codes });
  }
  for (const guild of guilds) sim.addBotToGuild(guild.id);
  return guilds;
}
