/**
 * Permission computation as Discord documents it (topics/permissions): @everyone role | member roles;
 * owner or ADMINISTRATOR = everything; then channel overwrites (@everyone, roles, member).
 */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import type { ChannelRec, GuildRec } from './state';

export const ALL_PERMISSIONS = Object.values(P).reduce((all, bit) => all | bit, 0n);

/** What a fresh server's @everyone can do (Discord's default set, roughly). */
export const DEFAULT_EVERYONE_PERMISSIONS =
  P.CreateInstantInvite |
  P.AddReactions |
  P.Stream |
  P.ViewChannel |
  P.SendMessages |
  P.EmbedLinks |
  P.AttachFiles |
  P.ReadMessageHistory |
  P.MentionEveryone |
  P.UseExternalEmojis |
  P.Connect |
  P.Speak |
  P.UseVAD |
  P.ChangeNickname |
  P.UseApplicationCommands |
  P.RequestToSpeak |
  P.CreatePublicThreads |
  P.CreatePrivateThreads |
  P.UseExternalStickers |
  P.SendMessagesInThreads |
  P.UseEmbeddedActivities |
  P.SendVoiceMessages;

export const DEFAULT_BOT_PERMISSIONS =
  P.ViewChannel |
  P.SendMessages |
  P.ManageGuild |
  P.ManageChannels |
  P.EmbedLinks |
  P.ReadMessageHistory;

/** Guild-level permissions of a member; 0n for non-members. */
export function basePermissions(guild: GuildRec, userId: string): bigint {
  if (guild.ownerId === userId) return ALL_PERMISSIONS;
  const member = guild.members.get(userId);
  if (!member) return 0n;
  let perms = guild.roles.get(guild.everyoneRoleId)?.permissions ?? 0n;
  for (const roleId of member.roles) perms |= guild.roles.get(roleId)?.permissions ?? 0n;
  if (perms & P.Administrator) return ALL_PERMISSIONS;
  return perms;
}

/** Permissions of a member in a channel, overwrites applied in Discord's order. */
export function channelPermissions(guild: GuildRec, channel: ChannelRec, userId: string): bigint {
  let perms = basePermissions(guild, userId);
  // Owners get ALL_PERMISSIONS, which includes ADMINISTRATOR: overwrites never apply to them.
  if (perms & P.Administrator) return ALL_PERMISSIONS;
  const member = guild.members.get(userId);
  if (!member) return 0n;
  const everyone = channel.overwrites.find((o) => o.id === guild.everyoneRoleId);
  if (everyone) perms = (perms & ~everyone.deny) | everyone.allow;
  let roleAllow = 0n;
  let roleDeny = 0n;
  for (const overwrite of channel.overwrites) {
    if (overwrite.type === 0 && member.roles.includes(overwrite.id)) {
      roleAllow |= overwrite.allow;
      roleDeny |= overwrite.deny;
    }
  }
  perms = (perms & ~roleDeny) | roleAllow;
  const own = channel.overwrites.find((o) => o.type === 1 && o.id === userId);
  if (own) perms = (perms & ~own.deny) | own.allow;
  // Without VIEW_CHANNEL nothing else in the channel is usable.
  if (!(perms & P.ViewChannel)) return 0n;
  return perms;
}

export function has(perms: bigint, bit: bigint): boolean {
  return (perms & bit) === bit;
}

/** Accepts bigint, number or decimal string (the control API sends strings). */
export function toPermissionBits(value: unknown, fallback: bigint): bigint {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  throw new TypeError(`invalid permission bits: ${String(value)}`);
}
