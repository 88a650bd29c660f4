/** Lookups every REST module needs, failing with Discord's error bodies. */
import type { Core } from '../core';
import { E } from '../http';
import { basePermissions, channelPermissions } from '../permissions';
import type { ChannelRec, GuildRec } from '../state';

/** A guild the bot is in: 10004 when unknown, 50001 when the bot is not a member. */
export function botGuild(core: Core, guildId: string): GuildRec {
  const guild = core.world.guilds.get(guildId);
  if (!guild) throw E.unknownGuild();
  if (!guild.botPresent || !guild.members.has(core.botUser.id)) throw E.missingAccess();
  return guild;
}

export function botGuildPermissions(core: Core, guild: GuildRec): bigint {
  return basePermissions(guild, core.botUser.id);
}

export function botChannelPermissions(core: Core, guild: GuildRec, channel: ChannelRec): bigint {
  return channelPermissions(guild, channel, core.botUser.id);
}

export function knownChannel(core: Core, channelId: string): ChannelRec {
  const channel = core.world.channels.get(channelId);
  if (!channel) throw E.unknownChannel();
  return channel;
}

/** Query value parsed as a bounded integer, or the fallback. */
export function intParam(value: string | null, fallback: number, min: number, max: number): number {
  if (value === null || !/^\d+$/.test(value)) return fallback;
  return Math.min(max, Math.max(min, Number(value)));
}
