/**
 * Message creation shared by channel posts, DMs and interaction replies: Discord's body checks and
 * the mentions a message really makes after allowed_mentions (so tests can prove that a member
 * called "@everyone" pings nobody).
 */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import type { Core } from './core';
import { E, isRecord } from './http';
import { channelPermissions, has } from './permissions';
import { discordTimestamp } from './snowflake';
import type { ChannelRec } from './state';
import type { SimMessage } from './types';

export type MessageBody = {
  content?: unknown;
  embeds?: unknown;
  components?: unknown;
  allowed_mentions?: unknown;
  nonce?: unknown;
  enforce_nonce?: unknown;
  flags?: unknown;
  _files?: unknown;
};

/** Validate like Discord: content <= 2000, <= 10 embeds, nonce <= 25 chars, not empty. */
export function validateMessageBody(
  body: unknown,
  { requireContent }: { requireContent: boolean },
): MessageBody {
  if (!isRecord(body)) throw E.emptyMessage();
  const b = body as MessageBody;
  if (b.content !== undefined && b.content !== null) {
    if (typeof b.content !== 'string') {
      throw E.invalidForm('content', 'BASE_TYPE_STRING', 'Must be a string.');
    }
    if ([...b.content].length > 2000) {
      throw E.invalidForm('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
    }
  }
  if (b.embeds !== undefined && b.embeds !== null) {
    if (!Array.isArray(b.embeds))
      throw E.invalidForm('embeds', 'BASE_TYPE_ARRAY', 'Must be an array.');
    if (b.embeds.length > 10) {
      throw E.invalidForm('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    }
  }
  if (b.nonce !== undefined && b.nonce !== null) {
    const ok =
      (typeof b.nonce === 'string' && b.nonce.length <= 25) ||
      (typeof b.nonce === 'number' && Number.isInteger(b.nonce));
    if (!ok) throw E.invalidForm('nonce', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  }
  const empty =
    (typeof b.content !== 'string' || b.content.length === 0) &&
    (!Array.isArray(b.embeds) || b.embeds.length === 0) &&
    (!Array.isArray(b.components) || b.components.length === 0) &&
    !b._files;
  if (requireContent && empty) throw E.emptyMessage();
  return b;
}

type Mentions = { users: string[]; roles: string[]; everyone: boolean };

/** Who a message notifies: parsed from content, filtered by allowed_mentions (default: all). */
export function computeMentions(
  core: Core,
  content: string,
  allowed: unknown,
  channel: ChannelRec,
  authorId: string,
): Mentions {
  const userIds = [...content.matchAll(/<@!?(\d{17,19})>/g)].map((m) => m[1] ?? '');
  const roleIds = [...content.matchAll(/<@&(\d{17,19})>/g)].map((m) => m[1] ?? '');
  const wantsEveryone = /@(everyone|here)/.test(content);
  let parse = ['users', 'roles', 'everyone'];
  let users: string[] = [];
  let roles: string[] = [];
  if (isRecord(allowed)) {
    parse = Array.isArray(allowed.parse) ? allowed.parse.map(String) : [];
    users = Array.isArray(allowed.users) ? allowed.users.map(String) : [];
    roles = Array.isArray(allowed.roles) ? allowed.roles.map(String) : [];
  }
  const guild = channel.guildId ? core.world.guilds.get(channel.guildId) : undefined;
  const canEveryone = guild
    ? has(channelPermissions(guild, channel, authorId), P.MentionEveryone)
    : false;
  const unique = (ids: string[]) => [...new Set(ids)];
  return {
    users: unique(
      userIds.filter(
        (id) => core.world.users.has(id) && (parse.includes('users') || users.includes(id)),
      ),
    ),
    roles: unique(
      roleIds.filter(
        (id) => (guild?.roles.has(id) ?? false) && (parse.includes('roles') || roles.includes(id)),
      ),
    ),
    everyone: wantsEveryone && parse.includes('everyone') && canEveryone,
  };
}

/** Store a message in its channel (ephemeral ones are kept off the channel list). */
export function createMessage(
  core: Core,
  channel: ChannelRec,
  authorId: string,
  body: MessageBody,
  extra: { interactionId?: string | null; flags?: number; store?: boolean } = {},
): SimMessage {
  const content = typeof body.content === 'string' ? body.content : '';
  const mentions = computeMentions(core, content, body.allowed_mentions, channel, authorId);
  const message: SimMessage = {
    id: core.ids.snowflake(),
    channelId: channel.id,
    guildId: channel.guildId,
    authorId,
    content,
    embeds: Array.isArray(body.embeds) ? body.embeds : [],
    components: Array.isArray(body.components) ? body.components : [],
    nonce: typeof body.nonce === 'string' || typeof body.nonce === 'number' ? body.nonce : null,
    allowedMentions: body.allowed_mentions ?? null,
    flags: extra.flags ?? (typeof body.flags === 'number' ? body.flags : 0),
    createdAt: discordTimestamp(Date.now()),
    editedAt: null,
    mentions: mentions.users,
    mentionRoles: mentions.roles,
    mentionEveryone: mentions.everyone,
    interactionId: extra.interactionId ?? null,
  };
  if (extra.store !== false) {
    core.world.channelMessages(channel.id).push(message);
    channel.lastMessageId = message.id;
  }
  return message;
}

/** Apply an edit (PATCH) to a message in place: only the fields present change. */
export function editMessage(core: Core, message: SimMessage, body: MessageBody): void {
  const channel = core.world.channel(message.channelId);
  if (body.content !== undefined)
    message.content = typeof body.content === 'string' ? body.content : '';
  if (body.embeds !== undefined) message.embeds = Array.isArray(body.embeds) ? body.embeds : [];
  if (body.components !== undefined) {
    message.components = Array.isArray(body.components) ? body.components : [];
  }
  if (body.allowed_mentions !== undefined) message.allowedMentions = body.allowed_mentions;
  const mentions = computeMentions(
    core,
    message.content,
    message.allowedMentions,
    channel,
    message.authorId,
  );
  message.mentions = mentions.users;
  message.mentionRoles = mentions.roles;
  message.mentionEveryone = mentions.everyone;
  message.editedAt = discordTimestamp(Date.now());
}
