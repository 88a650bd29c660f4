/**
 * World-building operations and the gateway events Discord sends for them. Used by the public
 * Simulator API, the /_sim control API and the REST routes that change the world.
 */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import type { Core } from './core';
import {
  channelPayload,
  inviteExpiresAt,
  inviteCreatePayload,
  memberPayload,
  rolePayload,
} from './payloads';
import {
  DEFAULT_BOT_PERMISSIONS,
  DEFAULT_EVERYONE_PERMISSIONS,
  channelPermissions,
  has,
} from './permissions';
import { discordTimestamp } from './snowflake';
import {
  SimError,
  type ChannelRec,
  type GuildRec,
  type InviteRec,
  type MemberRec,
  type OverwriteRec,
  type RoleRec,
  type UserRec,
} from './state';
import type { SimChannel, SimGuild, SimInvite, SimMember, SimRole, SimUser } from './types';

export type CreateUserOptions = {
  username?: string;
  globalName?: string | null;
  avatar?: string | null;
  bot?: boolean;
  dmsClosed?: boolean;
  locale?: string;
  id?: string;
};

export function createUser(core: Core, o: CreateUserOptions = {}): UserRec {
  const n = ++core.counters.user;
  const id = o.id ?? core.ids.snowflake();
  if (core.world.users.has(id)) throw new SimError(`user ${id} already exists`);
  const username = o.username ?? `${o.bot ? 'bot' : 'user'}${n}`;
  const user: UserRec = {
    id,
    username,
    globalName: o.globalName === undefined ? (o.bot ? null : username) : o.globalName,
    avatar: o.avatar ?? null,
    bot: o.bot ?? false,
    dmsClosed: o.dmsClosed ?? false,
    locale: o.locale ?? 'en-US',
  };
  core.world.users.set(id, user);
  return user;
}

export type CreateGuildOptions = {
  name?: string;
  ownerId?: string;
  features?: string[];
  vanityCode?: string | null;
  vanityUses?: number;
  locale?: string;
  botPermissions?: bigint;
  /** Permissions of @everyone; default Discord's default set (includes VIEW_CHANNEL, SEND_MESSAGES). */
  everyonePermissions?: bigint;
  unavailable?: boolean;
  /** false: the bot is not in the guild yet (addBotToGuild later). Default true. */
  withBot?: boolean;
  /** A fixed guild id (e.g. to land on a given shard). */
  id?: string;
};

export function createGuild(core: Core, o: CreateGuildOptions = {}): GuildRec {
  const { world, ids } = core;
  const n = ++core.counters.guild;
  const id = o.id ?? ids.snowflake();
  if (world.guilds.has(id)) throw new SimError(`guild ${id} already exists`);
  const owner = o.ownerId ? world.user(o.ownerId) : createUser(core, { username: `owner${n}` });
  const botRoleId = ids.snowflake();
  const channelId = ids.snowflake();
  const features = [...(o.features ?? [])];
  const vanityCode = o.vanityCode ?? null;
  if (vanityCode && !features.includes('VANITY_URL')) features.push('VANITY_URL');
  const guild: GuildRec = {
    id,
    name: o.name ?? `Guild ${n}`,
    ownerId: owner.id,
    features,
    vanityCode,
    vanityUses: o.vanityUses ?? 0,
    locale: o.locale ?? 'en-US',
    unavailable: o.unavailable ?? false,
    botPresent: false,
    everyoneRoleId: id,
    botRoleId,
    defaultChannelId: channelId,
    roles: new Map(),
    channelIds: [channelId],
    members: new Map(),
    pastMembers: new Set(),
  };
  const role = (
    roleId: string,
    name: string,
    permissions: bigint,
    position: number,
    botId: string | null,
  ) =>
    guild.roles.set(roleId, {
      id: roleId,
      guildId: id,
      name,
      permissions,
      position,
      managed: botId !== null,
      botId,
    });
  role(id, '@everyone', o.everyonePermissions ?? DEFAULT_EVERYONE_PERMISSIONS, 0, null);
  role(
    botRoleId,
    core.botUser.username,
    o.botPermissions ?? DEFAULT_BOT_PERMISSIONS,
    1,
    core.botUser.id,
  );
  world.channels.set(channelId, {
    id: channelId,
    guildId: id,
    type: 0,
    name: 'general',
    position: 0,
    parentId: null,
    overwrites: [],
    topic: null,
    nsfw: false,
    recipientId: null,
    lastMessageId: null,
  });
  guild.members.set(owner.id, newMember(owner.id, []));
  world.guilds.set(id, guild);
  if (o.withBot !== false) addBotToGuild(core, id);
  return guild;
}

function newMember(userId: string, roles: string[], temporary = false, flags = 0): MemberRec {
  return { userId, roles, joinedAt: discordTimestamp(Date.now()), temporary, flags };
}

/** The bot joins (again): its member and managed role come back, GUILD_CREATE goes out. */
export function addBotToGuild(core: Core, guildId: string): void {
  const guild = core.world.guild(guildId);
  if (guild.botPresent) return;
  guild.members.set(core.botUser.id, newMember(core.botUser.id, [guild.botRoleId]));
  guild.botPresent = true;
  if (!guild.unavailable) core.gateway.dispatch('GUILD_CREATE', null, guild.id);
}

/** The bot was kicked or left: GUILD_DELETE without `unavailable`. */
export function removeBotFromGuild(core: Core, guildId: string): void {
  const guild = core.world.guild(guildId);
  if (!guild.botPresent) return;
  core.gateway.dispatch('GUILD_DELETE', { id: guild.id }, guild.id);
  guild.botPresent = false;
  guild.members.delete(core.botUser.id);
}

/** An outage: GUILD_DELETE {unavailable: true}; back again: GUILD_CREATE. */
export function setGuildUnavailable(core: Core, guildId: string, unavailable: boolean): void {
  const guild = core.world.guild(guildId);
  if (guild.unavailable === unavailable) return;
  guild.unavailable = unavailable;
  if (!guild.botPresent) return;
  if (unavailable)
    core.gateway.dispatch('GUILD_DELETE', { id: guild.id, unavailable: true }, guild.id);
  else core.gateway.dispatch('GUILD_CREATE', null, guild.id);
}

export type CreateChannelOptions = {
  name: string;
  type?: number;
  parentId?: string;
  overwrites?: OverwriteRec[];
  topic?: string;
};

export function createChannel(core: Core, guildId: string, o: CreateChannelOptions): ChannelRec {
  const guild = core.world.guild(guildId);
  if (o.parentId) {
    const parent = core.world.channel(o.parentId);
    if (parent.guildId !== guildId || parent.type !== 4)
      throw new SimError(`${o.parentId} is not a category here`);
  }
  const channel: ChannelRec = {
    id: core.ids.snowflake(),
    guildId,
    type: o.type ?? 0,
    name: o.name,
    position: guild.channelIds.length,
    parentId: o.parentId ?? null,
    overwrites: (o.overwrites ?? []).map((ow) => ({ ...ow })),
    topic: o.topic ?? null,
    nsfw: false,
    recipientId: null,
    lastMessageId: null,
  };
  core.world.channels.set(channel.id, channel);
  guild.channelIds.push(channel.id);
  if (guild.botPresent) core.gateway.dispatch('CHANNEL_CREATE', channelPayload(channel), guildId);
  return channel;
}

export function setChannelOverwrites(
  core: Core,
  channelId: string,
  overwrites: OverwriteRec[],
): ChannelRec {
  const channel = core.world.channel(channelId);
  if (!channel.guildId) throw new SimError('DM channels have no overwrites');
  channel.overwrites = overwrites.map((ow) => ({ ...ow }));
  if (core.world.guild(channel.guildId).botPresent) {
    core.gateway.dispatch('CHANNEL_UPDATE', channelPayload(channel), channel.guildId);
  }
  return channel;
}

/** CHANNEL_DELETE; the channel's invites disappear with it. */
export function deleteChannel(core: Core, channelId: string): void {
  const channel = core.world.channel(channelId);
  if (!channel.guildId) throw new SimError('cannot delete a DM channel');
  const guild = core.world.guild(channel.guildId);
  if (channel.id === guild.defaultChannelId)
    throw new SimError('cannot delete the default channel');
  guild.channelIds = guild.channelIds.filter((id) => id !== channelId);
  core.world.channels.delete(channelId);
  for (const invite of core.world.guildInvites(guild.id)) {
    if (invite.channelId === channelId) core.world.removeInvite(invite.code);
  }
  if (guild.botPresent) core.gateway.dispatch('CHANNEL_DELETE', channelPayload(channel), guild.id);
}

export function createRole(
  core: Core,
  guildId: string,
  o: { name: string; permissions: bigint },
): RoleRec {
  const guild = core.world.guild(guildId);
  const position = Math.max(...[...guild.roles.values()].map((r) => r.position)) + 1;
  const role: RoleRec = {
    id: core.ids.snowflake(),
    guildId,
    name: o.name,
    permissions: o.permissions,
    position,
    managed: false,
    botId: null,
  };
  guild.roles.set(role.id, role);
  if (guild.botPresent)
    core.gateway.dispatch(
      'GUILD_ROLE_CREATE',
      { guild_id: guildId, role: rolePayload(role) },
      guildId,
    );
  return role;
}

export function setRolePermissions(
  core: Core,
  guildId: string,
  roleId: string,
  permissions: bigint,
): RoleRec {
  const role = core.world.role(guildId, roleId);
  role.permissions = permissions;
  if (core.world.guild(guildId).botPresent) {
    core.gateway.dispatch(
      'GUILD_ROLE_UPDATE',
      { guild_id: guildId, role: rolePayload(role) },
      guildId,
    );
  }
  return role;
}

/** Moves a role in the hierarchy (GUILD_ROLE_UPDATE); other roles keep their positions. */
export function setRolePosition(
  core: Core,
  guildId: string,
  roleId: string,
  position: number,
): RoleRec {
  const role = core.world.role(guildId, roleId);
  if (role.id === guildId) throw new SimError('@everyone stays at position 0');
  role.position = position;
  if (core.world.guild(guildId).botPresent) {
    core.gateway.dispatch(
      'GUILD_ROLE_UPDATE',
      { guild_id: guildId, role: rolePayload(role) },
      guildId,
    );
  }
  return role;
}

/** A member who was there before the scenario starts: no event. */
export function addMember(
  core: Core,
  guildId: string,
  userId: string,
  roles: string[] = [],
): MemberRec {
  const guild = core.world.guild(guildId);
  core.world.user(userId);
  if (guild.members.has(userId))
    throw new SimError(`user ${userId} is already a member of ${guildId}`);
  for (const roleId of roles) core.world.role(guildId, roleId);
  const member = newMember(userId, [...roles]);
  guild.members.set(userId, member);
  return member;
}

export function setMemberRoles(
  core: Core,
  guildId: string,
  userId: string,
  roles: string[],
): MemberRec {
  const member = core.world.member(guildId, userId);
  for (const roleId of roles) core.world.role(guildId, roleId);
  member.roles = roles.filter((id) => id !== guildId);
  if (core.world.guild(guildId).botPresent) {
    const { user, ...rest } = memberPayload(core, member);
    core.gateway.dispatch('GUILD_MEMBER_UPDATE', { guild_id: guildId, user, ...rest }, guildId);
  }
  return member;
}

export type CreateInviteOptions = {
  channelId?: string;
  inviterId?: string | null;
  maxUses?: number;
  maxAge?: number;
  temporary?: boolean;
  code?: string;
  uses?: number;
};

/**
 * Whether the bot is told about invites of this channel: GUILD_INVITES intent (checked per session)
 * and MANAGE_CHANNELS on the channel (ADMINISTRATOR implies it).
 */
function botSeesInviteEvents(core: Core, guild: GuildRec, channelId: string): boolean {
  const channel = core.world.channels.get(channelId);
  if (!guild.botPresent || !channel) return false;
  return has(channelPermissions(guild, channel, core.botUser.id), P.ManageChannels);
}

/** Default: never expires, unlimited uses, inviter = the guild owner. Dispatches INVITE_CREATE. */
export function createInvite(core: Core, guildId: string, o: CreateInviteOptions = {}): InviteRec {
  const guild = core.world.guild(guildId);
  const channel = core.world.channel(o.channelId ?? guild.defaultChannelId);
  if (channel.guildId !== guildId)
    throw new SimError(`channel ${channel.id} is not in guild ${guildId}`);
  const inviterId = o.inviterId === undefined ? guild.ownerId : o.inviterId;
  if (inviterId !== null) core.world.user(inviterId);
  let code = o.code;
  if (code === undefined) {
    do code = core.ids.code(8);
    while (core.world.invites.has(code));
  } else if (core.world.invites.has(code) || code === guild.vanityCode) {
    throw new SimError(`invite code ${code} is taken`);
  }
  const invite: InviteRec = {
    code,
    guildId,
    channelId: channel.id,
    inviterId,
    uses: o.uses ?? 0,
    maxUses: o.maxUses ?? 0,
    maxAge: o.maxAge ?? 0,
    temporary: o.temporary ?? false,
    createdAtMs: Date.now(),
    reserved: 0,
  };
  core.world.addInvite(invite);
  if (botSeesInviteEvents(core, guild, channel.id)) {
    core.gateway.dispatch('INVITE_CREATE', inviteCreatePayload(core, invite), guildId);
  }
  return invite;
}

/**
 * Manual delete by someone (default: the guild owner): INVITE_DELETE when the bot may see the
 * channel's invite events, and an audit-log entry (action 42). Used-up and expired invites vanish
 * elsewhere and leave no audit entry, as on Discord.
 */
export function deleteInvite(core: Core, code: string, actorId?: string): InviteRec {
  const invite = core.world.liveInvite(code);
  if (!invite) throw new SimError(`unknown invite ${code}`);
  core.world.removeInvite(code);
  const guild = core.world.guild(invite.guildId);
  const entries = core.world.auditLog.get(guild.id) ?? [];
  entries.push({
    id: core.ids.snowflake(),
    guildId: guild.id,
    actionType: 42,
    userId: actorId ?? guild.ownerId,
    changes: [
      { key: 'code', old_value: invite.code },
      { key: 'channel_id', old_value: invite.channelId },
      { key: 'inviter_id', old_value: invite.inviterId },
      { key: 'uses', old_value: invite.uses },
      { key: 'max_uses', old_value: invite.maxUses },
      { key: 'max_age', old_value: invite.maxAge },
      { key: 'temporary', old_value: invite.temporary },
    ],
  });
  core.world.auditLog.set(guild.id, entries);
  dispatchInviteDelete(core, invite);
  return invite;
}

export function dispatchInviteDelete(core: Core, invite: InviteRec): void {
  const guild = core.world.guild(invite.guildId);
  if (botSeesInviteEvents(core, guild, invite.channelId)) {
    core.gateway.dispatch(
      'INVITE_DELETE',
      { channel_id: invite.channelId, guild_id: invite.guildId, code: invite.code },
      invite.guildId,
    );
  }
}

/** Expire now: the invite silently vanishes (Discord sends no event for max_age expiry). */
export function expireInvite(core: Core, code: string): void {
  if (!core.world.liveInvite(code)) throw new SimError(`unknown invite ${code}`);
  core.world.removeInvite(code);
}

export function setVanity(core: Core, guildId: string, code: string | null, uses?: number): void {
  const guild = core.world.guild(guildId);
  if (code !== null && core.world.invites.has(code)) throw new SimError(`code ${code} is taken`);
  if (code !== null && !guild.features.includes('VANITY_URL')) guild.features.push('VANITY_URL');
  guild.vanityCode = code;
  if (uses !== undefined) guild.vanityUses = uses;
}

// Snapshots handed to tests: plain copies, so tests cannot corrupt the world by accident.

export function toSimUser(u: UserRec): SimUser {
  return { ...u };
}

export function toSimGuild(g: GuildRec): SimGuild {
  return {
    id: g.id,
    name: g.name,
    ownerId: g.ownerId,
    everyoneRoleId: g.everyoneRoleId,
    botRoleId: g.botRoleId,
    defaultChannelId: g.defaultChannelId,
    features: [...g.features],
    vanityCode: g.vanityCode,
    vanityUses: g.vanityUses,
    locale: g.locale,
    unavailable: g.unavailable,
    botPresent: g.botPresent,
    memberCount: g.members.size,
  };
}

export function toSimChannel(c: ChannelRec): SimChannel {
  return {
    id: c.id,
    guildId: c.guildId,
    name: c.name,
    type: c.type,
    parentId: c.parentId,
    overwrites: c.overwrites.map((o) => ({ ...o })),
  };
}

export function toSimRole(r: RoleRec): SimRole {
  return {
    id: r.id,
    guildId: r.guildId,
    name: r.name,
    permissions: r.permissions,
    position: r.position,
    managed: r.managed,
  };
}

export function toSimMember(guildId: string, m: MemberRec): SimMember {
  return {
    guildId,
    userId: m.userId,
    roles: [...m.roles],
    joinedAt: m.joinedAt,
    temporary: m.temporary,
  };
}

export function toSimInvite(i: InviteRec): SimInvite {
  return {
    code: i.code,
    guildId: i.guildId,
    channelId: i.channelId,
    inviterId: i.inviterId,
    uses: i.uses,
    maxUses: i.maxUses,
    maxAge: i.maxAge,
    temporary: i.temporary,
    createdAt: discordTimestamp(i.createdAtMs),
    expiresAt: inviteExpiresAt(i),
  };
}
