/**
 * API object shapes (discord-api-types v10) built from world records. Permissions are decimal
 * strings, users have discriminator "0", timestamps use Discord's +00:00 format.
 */
import { GatewayIntentBits } from 'discord-api-types/v10';
import type { Core } from './core';
import type { ChannelRec, GuildRec, InviteRec, MemberRec, RoleRec, UserRec } from './state';
import { discordTimestamp } from './snowflake';
import type { SimMessage } from './types';

export function userPayload(user: UserRec): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: user.globalName,
    avatar: user.avatar ?? null,
    ...(user.bot ? { bot: true } : {}),
    public_flags: 0,
    flags: 0,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
    collectibles: null,
    primary_guild: null,
  };
}

export function memberPayload(core: Core, member: MemberRec): Record<string, unknown> {
  return {
    user: userPayload(core.world.user(member.userId)),
    nick: null,
    avatar: null,
    banner: null,
    roles: [...member.roles],
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: member.flags,
    pending: false,
    communication_disabled_until: null,
  };
}

export function rolePayload(role: RoleRec): Record<string, unknown> {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.managed,
    mentionable: false,
    flags: 0,
    ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
  };
}

export function channelPayload(channel: ChannelRec): Record<string, unknown> {
  if (channel.guildId === null) {
    return {
      id: channel.id,
      type: channel.type,
      last_message_id: channel.lastMessageId,
      flags: 0,
      recipients: [] as unknown[],
    };
  }
  return {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    position: channel.position,
    parent_id: channel.parentId,
    topic: channel.topic,
    nsfw: channel.nsfw,
    last_message_id: channel.lastMessageId,
    rate_limit_per_user: 0,
    flags: 0,
    permission_overwrites: channel.overwrites.map((o) => ({
      id: o.id,
      type: o.type,
      allow: o.allow.toString(),
      deny: o.deny.toString(),
    })),
  };
}

function sortedRoles(guild: GuildRec): RoleRec[] {
  return [...guild.roles.values()].sort((a, b) => a.position - b.position);
}

/** The REST guild object (GET /guilds/{id}). */
export function guildPayload(guild: GuildRec): Record<string, unknown> {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    icon_hash: null,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: sortedRoles(guild).map(rolePayload),
    emojis: [],
    stickers: [],
    features: [...guild.features],
    mfa_level: 0,
    application_id: null,
    system_channel_id: guild.defaultChannelId,
    system_channel_flags: 0,
    rules_channel_id: null,
    max_presences: null,
    max_members: 500_000,
    vanity_url_code: guild.vanityCode,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: guild.locale,
    public_updates_channel_id: null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
    incidents_data: null,
  };
}

/**
 * GUILD_CREATE: the guild plus the gateway-only fields. Like Discord, `members` holds only the bot
 * unless the session has GUILD_PRESENCES and the guild is not large.
 */
export function guildCreatePayload(
  core: Core,
  guild: GuildRec,
  intents: number,
  largeThreshold: number,
): Record<string, unknown> {
  const memberCount = guild.members.size;
  const large = memberCount > largeThreshold;
  const everyone = (intents & GatewayIntentBits.GuildPresences) !== 0 && !large;
  const members = [...guild.members.values()].filter(
    (m) => everyone || m.userId === core.botUser.id,
  );
  const botMember = guild.members.get(core.botUser.id);
  return {
    ...guildPayload(guild),
    joined_at: botMember?.joinedAt ?? discordTimestamp(Date.now()),
    large,
    unavailable: false,
    member_count: memberCount,
    members: members.map((m) => memberPayload(core, m)),
    channels: core.world.guildChannels(guild).map(channelPayload),
    threads: [],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    embedded_activities: [],
    activity_instances: [],
    lazy: true,
    home_header: null,
    version: Date.now(),
  };
}

export function inviteExpiresAt(invite: InviteRec): string | null {
  return invite.maxAge > 0 ? discordTimestamp(invite.createdAtMs + invite.maxAge * 1000) : null;
}

/** GET /guilds/{id}/invites entry; metadata (uses, max_uses, ...) only with MANAGE_GUILD. */
export function invitePayload(
  core: Core,
  invite: InviteRec,
  withMetadata: boolean,
): Record<string, unknown> {
  const guild = core.world.guild(invite.guildId);
  const channel = core.world.channel(invite.channelId);
  const inviter = invite.inviterId ? core.world.users.get(invite.inviterId) : undefined;
  return {
    type: 0,
    code: invite.code,
    guild: {
      id: guild.id,
      name: guild.name,
      splash: null,
      banner: null,
      description: null,
      icon: null,
      features: [...guild.features],
      verification_level: 0,
      vanity_url_code: guild.vanityCode,
      nsfw_level: 0,
      nsfw: false,
      premium_subscription_count: 0,
    },
    channel: { id: channel.id, type: channel.type, name: channel.name },
    ...(inviter ? { inviter: userPayload(inviter) } : {}),
    expires_at: inviteExpiresAt(invite),
    flags: 0,
    ...(withMetadata
      ? {
          uses: invite.uses,
          max_uses: invite.maxUses,
          max_age: invite.maxAge,
          temporary: invite.temporary,
          created_at: discordTimestamp(invite.createdAtMs),
        }
      : {}),
  };
}

export function inviteCreatePayload(core: Core, invite: InviteRec): Record<string, unknown> {
  const inviter = invite.inviterId ? core.world.users.get(invite.inviterId) : undefined;
  return {
    type: 0,
    channel_id: invite.channelId,
    code: invite.code,
    created_at: discordTimestamp(invite.createdAtMs),
    guild_id: invite.guildId,
    ...(inviter ? { inviter: userPayload(inviter) } : {}),
    max_age: invite.maxAge,
    max_uses: invite.maxUses,
    temporary: invite.temporary,
    uses: 0,
    expires_at: inviteExpiresAt(invite),
  };
}

export function messagePayload(core: Core, message: SimMessage): Record<string, unknown> {
  const author = core.world.user(message.authorId);
  const interaction = message.interactionId
    ? core.interactions.byId.get(message.interactionId)
    : undefined;
  return {
    id: message.id,
    channel_id: message.channelId,
    author: userPayload(author),
    content: message.content,
    timestamp: message.createdAt,
    edited_timestamp: message.editedAt,
    tts: false,
    mention_everyone: message.mentionEveryone,
    mentions: message.mentions.flatMap((id) => {
      const user = core.world.users.get(id);
      return user ? [userPayload(user)] : [];
    }),
    mention_roles: [...message.mentionRoles],
    attachments: [],
    embeds: message.embeds,
    pinned: false,
    type: interaction ? 20 : 0,
    flags: message.flags,
    components: message.components,
    ...(message.nonce !== null ? { nonce: message.nonce } : {}),
    ...(interaction
      ? {
          webhook_id: core.applicationId,
          application_id: core.applicationId,
          interaction_metadata: {
            id: interaction.id,
            type: interaction.type,
            user: userPayload(core.world.user(interaction.userId)),
            authorizing_integration_owners: {},
            name: interaction.name,
          },
        }
      : {}),
  };
}
