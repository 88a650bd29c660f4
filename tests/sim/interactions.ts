/**
 * Slash-command invocations: builds INTERACTION_CREATE the way Discord does (member.permissions,
 * app_permissions, locales, resolved users/members/roles/channels; `user` instead of `member` in
 * DMs) and tracks every response to it (callback, edits of @original, follow-ups).
 */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { pollUntil, type Core } from './core';
import { channelPayload, memberPayload, rolePayload, userPayload } from './payloads';
import { basePermissions, channelPermissions } from './permissions';
import { SimError, type ChannelRec, type CommandRec, type GuildRec } from './state';
import type { InteractionResponseRecord, SimMessage } from './types';

export type InvokeOptions = {
  userId: string;
  guildId?: string;
  channelId?: string;
  name: string;
  options?: unknown[];
  locale?: string;
  guildLocale?: string;
  /** Interaction type: 2 APPLICATION_COMMAND (default), 4 APPLICATION_COMMAND_AUTOCOMPLETE. */
  type?: number;
  /** data.type: 1 CHAT_INPUT (default), 2 USER, 3 MESSAGE. */
  commandType?: number;
  /** data.target_id for USER/MESSAGE commands. */
  targetId?: string;
};

/** What a DM gives an app: the usual text permissions. */
const DM_PERMISSIONS =
  P.ViewChannel |
  P.SendMessages |
  P.EmbedLinks |
  P.AttachFiles |
  P.ReadMessageHistory |
  P.AddReactions |
  P.UseExternalEmojis |
  P.UseApplicationCommands;

export class SimInteraction {
  readonly responses: InteractionResponseRecord[] = [];
  /** The reply message (created by callback 4/5/7, or by the first follow-up after a defer). */
  original: SimMessage | null = null;
  /** true while the original is the "is thinking…" message of a deferred reply. */
  originalLoading = false;
  readonly followUps: SimMessage[] = [];
  callbackType: number | null = null;
  sequence: number | null = null;

  constructor(
    readonly id: string,
    readonly token: string,
    readonly type: number,
    readonly name: string,
    readonly userId: string,
    readonly guildId: string | null,
    readonly channelId: string,
    readonly createdAt: number,
    readonly payload: Record<string, unknown>,
  ) {}

  get acknowledged(): boolean {
    return this.callbackType !== null;
  }

  /** Resolves with the first response (callback) to this interaction. */
  waitForResponse(timeoutMs = 5000): Promise<InteractionResponseRecord> {
    return pollUntil(() => this.responses[0], timeoutMs, `a response to interaction /${this.name}`);
  }

  /**
   * Resolves with the visible reply: immediately after a message callback (4/7), or once a
   * deferred reply (5) was edited or replaced by a follow-up.
   */
  waitForFinal(timeoutMs = 5000): Promise<SimMessage> {
    return pollUntil(
      () => (this.original && !this.originalLoading ? this.original : undefined),
      timeoutMs,
      `the final reply to interaction /${this.name}`,
    );
  }
}

export class InteractionStore {
  readonly #core: Core;
  readonly byId = new Map<string, SimInteraction>();
  readonly byToken = new Map<string, SimInteraction>();

  constructor(core: Core) {
    this.#core = core;
  }

  invoke(o: InvokeOptions): SimInteraction {
    const core = this.#core;
    const user = core.world.user(o.userId);
    const guild = o.guildId ? core.world.guild(o.guildId) : null;
    let channel: ChannelRec;
    if (guild) {
      if (!guild.members.has(user.id))
        throw new SimError(`user ${user.id} is not in guild ${guild.id}`);
      channel = core.world.channel(o.channelId ?? guild.defaultChannelId);
      if (channel.guildId !== guild.id)
        throw new SimError(`channel ${channel.id} is not in guild ${guild.id}`);
    } else {
      channel = o.channelId ? core.world.channel(o.channelId) : dmChannelFor(core, user.id);
    }
    const commandType = o.commandType ?? 1;
    const command = findCommand(core, o.name, commandType, guild?.id ?? null);
    const id = core.ids.snowflake();
    const token = `aW50ZXJhY3Rpb246${id}:${core.ids.urlSafe(96)}`;
    const type = o.type ?? 2;
    const resolved = guild
      ? resolveOptions(core, guild, o.options ?? [])
      : resolveDmOptions(core, o.options ?? []);

    const data: Record<string, unknown> = {
      id: command?.id ?? core.ids.snowflake(),
      name: o.name,
      type: commandType,
      ...(command?.guildId ? { guild_id: command.guildId } : {}),
      ...(o.options ? { options: o.options } : {}),
      ...(o.targetId ? { target_id: o.targetId } : {}),
      ...(Object.keys(resolved).length > 0 ? { resolved } : {}),
    };
    const locale = o.locale ?? user.locale;
    let payload: Record<string, unknown>;
    if (guild) {
      const memberPerms = channelPermissions(guild, channel, user.id);
      const appPerms = channelPermissions(guild, channel, core.botUser.id);
      payload = {
        id,
        application_id: core.applicationId,
        type,
        token,
        version: 1,
        guild_id: guild.id,
        guild: { id: guild.id, locale: guild.locale, features: [...guild.features] },
        channel_id: channel.id,
        channel: { ...channelPayload(channel), permissions: memberPerms.toString() },
        member: {
          ...memberPayload(core, core.world.member(guild.id, user.id)),
          permissions: memberPerms.toString(),
        },
        app_permissions: appPerms.toString(),
        locale,
        guild_locale: o.guildLocale ?? guild.locale,
        entitlements: [],
        authorizing_integration_owners: { '0': guild.id },
        context: 0,
        attachment_size_limit: 10_485_760,
        data,
      };
    } else {
      payload = {
        id,
        application_id: core.applicationId,
        type,
        token,
        version: 1,
        channel_id: channel.id,
        channel: { ...channelPayload(channel), recipients: [userPayload(user)] },
        user: userPayload(user),
        app_permissions: DM_PERMISSIONS.toString(),
        locale,
        entitlements: [],
        authorizing_integration_owners: { '0': '0' },
        context: 1,
        attachment_size_limit: 10_485_760,
        data,
      };
    }
    const interaction = new SimInteraction(
      id,
      token,
      type,
      o.name,
      user.id,
      guild?.id ?? null,
      channel.id,
      Date.now(),
      payload,
    );
    this.byId.set(id, interaction);
    this.byToken.set(token, interaction);
    interaction.sequence = core.gateway.dispatch('INTERACTION_CREATE', payload, guild?.id ?? null);
    return interaction;
  }
}

function findCommand(
  core: Core,
  name: string,
  type: number,
  guildId: string | null,
): CommandRec | undefined {
  const match = (c: CommandRec) => c.name === name && c.type === type;
  const inGuild = guildId ? core.world.guildCommands.get(guildId)?.find(match) : undefined;
  return inGuild ?? core.world.globalCommands.find(match);
}

/** The bot's DM channel with a user; created on first use, the same one afterwards. */
export function dmChannelFor(core: Core, userId: string): ChannelRec {
  const existing = core.world.dmChannelByUser.get(userId);
  if (existing) return core.world.channel(existing);
  const channel: ChannelRec = {
    id: core.ids.snowflake(),
    guildId: null,
    type: 1,
    name: '',
    position: 0,
    parentId: null,
    overwrites: [],
    topic: null,
    nsfw: false,
    recipientId: userId,
    lastMessageId: null,
  };
  core.world.channels.set(channel.id, channel);
  core.world.dmChannelByUser.set(userId, channel.id);
  return channel;
}

type Resolved = Record<string, Record<string, unknown>>;

/** data.resolved for USER (6), CHANNEL (7), ROLE (8) and MENTIONABLE (9) options, recursively. */
function resolveOptions(core: Core, guild: GuildRec, options: unknown[]): Resolved {
  const resolved: Resolved = {};
  const add = (kind: string, id: string, value: unknown) => {
    (resolved[kind] ??= {})[id] = value;
  };
  const addUser = (id: string) => {
    const user = core.world.users.get(id);
    if (!user) return false;
    add('users', id, userPayload(user));
    const member = guild.members.get(id);
    if (member) {
      const { user: _user, ...rest } = memberPayload(core, member);
      add('members', id, { ...rest, permissions: basePermissions(guild, id).toString() });
    }
    return true;
  };
  const walk = (list: unknown[]) => {
    for (const option of list) {
      if (typeof option !== 'object' || option === null) continue;
      const o = option as { type?: unknown; value?: unknown; options?: unknown };
      const value = typeof o.value === 'string' ? o.value : undefined;
      if (Array.isArray(o.options)) walk(o.options);
      if (value === undefined) continue;
      if (o.type === 6) addUser(value);
      else if (o.type === 7) {
        const channel = core.world.channels.get(value);
        if (channel) add('channels', value, { ...channelPayload(channel), permissions: '0' });
      } else if (o.type === 8 || o.type === 9) {
        const role = guild.roles.get(value);
        if (role) add('roles', value, rolePayload(role));
        else if (o.type === 9) addUser(value);
      }
    }
  };
  walk(options);
  return resolved;
}

function resolveDmOptions(core: Core, options: unknown[]): Resolved {
  const resolved: Resolved = {};
  const walk = (list: unknown[]) => {
    for (const option of list) {
      if (typeof option !== 'object' || option === null) continue;
      const o = option as { type?: unknown; value?: unknown; options?: unknown };
      if (Array.isArray(o.options)) walk(o.options);
      if ((o.type === 6 || o.type === 9) && typeof o.value === 'string') {
        const user = core.world.users.get(o.value);
        if (user) (resolved.users ??= {})[o.value] = userPayload(user);
      }
    }
  };
  walk(options);
  return resolved;
}
