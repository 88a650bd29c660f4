/**
 * Channels and messages. Guild channels need VIEW_CHANNEL (else 50001) and SEND_MESSAGES (else
 * 50013); DMs fail with 50007 when the user closed DMs, is a bot or shares no guild with the bot.
 * nonce + enforce_nonce returns the original message for a repeat within the nonce window.
 */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import type { Core } from '../core';
import { E, json, type RequestContext, type Route } from '../http';
import { createMessage, editMessage, validateMessageBody } from '../messages';
import { channelPayload, messagePayload, userPayload } from '../payloads';
import { has } from '../permissions';
import type { ChannelRec } from '../state';
import type { DmFailure } from '../types';
import { botChannelPermissions, botGuild, knownChannel } from './common';

function readableChannel(core: Core, channelId: string): ChannelRec {
  const channel = knownChannel(core, channelId);
  if (channel.guildId) {
    const guild = botGuild(core, channel.guildId);
    if (!has(botChannelPermissions(core, guild, channel), P.ViewChannel)) throw E.missingAccess();
  }
  return channel;
}

function getChannel(ctx: RequestContext) {
  const { core } = ctx;
  const channel = readableChannel(core, ctx.params.channel ?? '');
  if (channel.guildId === null && channel.recipientId) {
    return json({
      ...channelPayload(channel),
      recipients: [userPayload(core.world.user(channel.recipientId))],
    });
  }
  return json(channelPayload(channel));
}

function dmFailureReason(core: Core, userId: string): DmFailure['reason'] | null {
  const user = core.world.user(userId);
  if (user.bot) return 'bot_recipient';
  if (user.dmsClosed) return 'dms_closed';
  if (!core.world.sharesGuildWithBot(userId)) return 'no_mutual_guild';
  return null;
}

function postMessage(ctx: RequestContext) {
  const { core } = ctx;
  const bot = core.botUser.id;
  const channel = knownChannel(core, ctx.params.channel ?? '');
  if (channel.guildId) {
    const guild = botGuild(core, channel.guildId);
    const perms = botChannelPermissions(core, guild, channel);
    if (!has(perms, P.ViewChannel)) throw E.missingAccess();
    if (!has(perms, P.SendMessages)) throw E.missingPermissions();
  }
  const body = validateMessageBody(ctx.body, { requireContent: true });
  if (!channel.guildId && channel.recipientId) {
    const reason = dmFailureReason(core, channel.recipientId);
    if (reason) {
      core.dmFailures.push({
        userId: channel.recipientId,
        channelId: channel.id,
        at: Date.now(),
        reason,
        content: typeof body.content === 'string' ? body.content : '',
      });
      throw E.cannotDm();
    }
  }
  const nonce =
    typeof body.nonce === 'string' || typeof body.nonce === 'number' ? String(body.nonce) : null;
  const nonceKey = nonce === null ? null : `${channel.id}|${bot}|${nonce}`;
  if (nonceKey && body.enforce_nonce === true) {
    const seen = core.nonces.get(nonceKey);
    if (seen && Date.now() - seen.at < core.config.nonceWindowMs)
      return json(messagePayload(core, seen.message));
  }
  const message = createMessage(core, channel, bot, body);
  if (nonceKey) core.nonces.set(nonceKey, { message, at: Date.now() });
  return json(messagePayload(core, message));
}

function getMessage(ctx: RequestContext) {
  const { core } = ctx;
  const channel = readableChannel(core, ctx.params.channel ?? '');
  if (channel.guildId) {
    const guild = botGuild(core, channel.guildId);
    if (!has(botChannelPermissions(core, guild, channel), P.ReadMessageHistory))
      throw E.missingPermissions();
  }
  const message = core.world.channelMessages(channel.id).find((m) => m.id === ctx.params.message);
  if (!message) throw E.unknownMessage();
  return json(messagePayload(core, message));
}

/** PATCH a message: only the bot's own (50005 otherwise); mentions are computed again. */
function patchMessage(ctx: RequestContext) {
  const { core } = ctx;
  const channel = readableChannel(core, ctx.params.channel ?? '');
  const message = core.world.channelMessages(channel.id).find((m) => m.id === ctx.params.message);
  if (!message) throw E.unknownMessage();
  if (message.authorId !== core.botUser.id) throw E.cannotEditOthers();
  editMessage(core, message, validateMessageBody(ctx.body, { requireContent: false }));
  return json(messagePayload(core, message));
}

export const channelRoutes: Route[] = [
  { method: 'GET', pattern: '/channels/:channel', auth: 'bot', handler: getChannel },
  { method: 'POST', pattern: '/channels/:channel/messages', auth: 'bot', handler: postMessage },
  {
    method: 'GET',
    pattern: '/channels/:channel/messages/:message',
    auth: 'bot',
    handler: getMessage,
  },
  {
    method: 'PATCH',
    pattern: '/channels/:channel/messages/:message',
    auth: 'bot',
    handler: patchMessage,
  },
];
