/**
 * Interaction responses: the callback (no auth; first response within the deadline, else 10062;
 * a second one 40060), then the interaction webhook (edit/get/delete @original, follow-ups) while
 * the token lives (15 min).
 */
import type { Core } from '../core';
import { E, isRecord, json, noContent, type RequestContext, type Route } from '../http';
import type { SimInteraction } from '../interactions';
import { createMessage, editMessage, validateMessageBody, type MessageBody } from '../messages';
import { messagePayload } from '../payloads';
import type { SimMessage } from '../types';

const EPHEMERAL = 64;
const LOADING = 128;
/** Flags a reply may set: SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2. */
const REPLY_FLAGS = 4 | EPHEMERAL | 4096 | 32768;
const CALLBACK_TYPES = new Set([1, 4, 5, 6, 7, 8, 9, 10, 12]);

function replyFlags(data: MessageBody | undefined): number {
  return typeof data?.flags === 'number' ? data.flags & REPLY_FLAGS : 0;
}

/** Create the reply message; ephemeral replies are not part of the channel's history. */
function replyMessage(
  core: Core,
  it: SimInteraction,
  body: MessageBody,
  flags: number,
): SimMessage {
  const channel = core.world.channel(it.channelId);
  return createMessage(core, channel, core.botUser.id, body, {
    interactionId: it.id,
    flags,
    store: (flags & EPHEMERAL) === 0,
  });
}

function callback(ctx: RequestContext) {
  const { core } = ctx;
  const it = core.interactions.byId.get(ctx.params.id ?? '');
  if (!it || it.token !== ctx.params.token) throw E.unknownInteraction();
  ctx.interactionId = it.id;
  if (it.acknowledged) throw E.alreadyAcknowledged();
  if (Date.now() > it.createdAt + core.config.interactionDeadlineMs) throw E.unknownInteraction();
  const body = isRecord(ctx.body) ? ctx.body : {};
  const type = body.type;
  if (typeof type !== 'number' || !CALLBACK_TYPES.has(type)) {
    throw E.invalidForm(
      'type',
      'BASE_TYPE_CHOICES',
      `Value must be one of ${[...CALLBACK_TYPES].join(', ')}.`,
    );
  }
  const data = isRecord(body.data) ? (body.data as MessageBody) : undefined;
  if (type === 4 || type === 7) validateMessageBody(data ?? {}, { requireContent: true });
  const flags = replyFlags(data);
  if (type === 4 || type === 7) {
    it.original = replyMessage(core, it, data ?? {}, flags);
    it.originalLoading = false;
  } else if (type === 5) {
    it.original = replyMessage(core, it, {}, (flags & EPHEMERAL) | LOADING);
    it.originalLoading = true;
  }
  it.callbackType = type;
  it.responses.push({
    kind: 'callback',
    type,
    data: body.data ?? null,
    at: Date.now(),
    messageId: it.original?.id ?? null,
  });
  if (ctx.query.get('with_response') !== 'true') return noContent();
  const message = it.original;
  return json({
    interaction: {
      id: it.id,
      type: it.type,
      response_message_id: message?.id,
      response_message_loading: it.originalLoading,
      response_message_ephemeral: message ? (message.flags & EPHEMERAL) !== 0 : false,
    },
    resource: { type, ...(message ? { message: messagePayload(core, message) } : {}) },
  });
}

/** The interaction behind /webhooks/{app}/{token}: 10015 when unknown, 50027 once expired. */
function webhookInteraction(ctx: RequestContext): SimInteraction {
  const { core } = ctx;
  const it =
    ctx.params.app === core.applicationId
      ? core.interactions.byToken.get(ctx.params.token ?? '')
      : undefined;
  if (!it) throw E.unknownWebhook();
  ctx.interactionId = it.id;
  if (Date.now() > it.createdAt + core.config.interactionTokenTtlMs) throw E.invalidWebhookToken();
  return it;
}

function findMessage(it: SimInteraction, messageId: string): SimMessage {
  const message =
    messageId === '@original' ? it.original : it.followUps.find((m) => m.id === messageId);
  if (!message) throw E.unknownMessage();
  return message;
}

function getWebhookMessage(ctx: RequestContext) {
  const it = webhookInteraction(ctx);
  return json(messagePayload(ctx.core, findMessage(it, ctx.params.message ?? '')));
}

function editWebhookMessage(ctx: RequestContext) {
  const { core } = ctx;
  const it = webhookInteraction(ctx);
  const messageId = ctx.params.message ?? '';
  const message = findMessage(it, messageId);
  const body = validateMessageBody(ctx.body ?? {}, { requireContent: false });
  editMessage(core, message, body);
  if (message === it.original) {
    message.flags &= ~LOADING;
    it.originalLoading = false;
  }
  it.responses.push({
    kind: 'edit',
    type: null,
    data: ctx.body ?? null,
    at: Date.now(),
    messageId: message.id,
  });
  return json(messagePayload(core, message));
}

function deleteWebhookMessage(ctx: RequestContext) {
  const { core } = ctx;
  const it = webhookInteraction(ctx);
  const message = findMessage(it, ctx.params.message ?? '');
  const list = core.world.channelMessages(message.channelId);
  const index = list.indexOf(message);
  if (index >= 0) list.splice(index, 1);
  if (message === it.original) it.original = null;
  else it.followUps.splice(it.followUps.indexOf(message), 1);
  it.responses.push({
    kind: 'delete',
    type: null,
    data: null,
    at: Date.now(),
    messageId: message.id,
  });
  return noContent();
}

/**
 * Follow-up. Like Discord, the first follow-up after a deferred reply (type 5) replaces the
 * "is thinking…" message instead of creating a new one.
 */
function followUp(ctx: RequestContext) {
  const { core } = ctx;
  const it = webhookInteraction(ctx);
  if (!it.acknowledged) throw E.unknownWebhook();
  const body = validateMessageBody(ctx.body, { requireContent: true });
  let message: SimMessage;
  if (it.original && it.originalLoading) {
    message = it.original;
    editMessage(core, message, body);
    message.flags &= ~LOADING;
    it.originalLoading = false;
  } else {
    message = replyMessage(core, it, body, replyFlags(body));
    it.followUps.push(message);
  }
  it.responses.push({
    kind: 'followup',
    type: null,
    data: ctx.body ?? null,
    at: Date.now(),
    messageId: message.id,
  });
  return ctx.query.get('wait') === 'true' ? json(messagePayload(core, message)) : noContent();
}

export const interactionRoutes: Route[] = [
  { method: 'POST', pattern: '/interactions/:id/:token/callback', auth: 'none', handler: callback },
  { method: 'POST', pattern: '/webhooks/:app/:token', auth: 'none', handler: followUp },
  {
    method: 'GET',
    pattern: '/webhooks/:app/:token/messages/:message',
    auth: 'none',
    handler: getWebhookMessage,
  },
  {
    method: 'PATCH',
    pattern: '/webhooks/:app/:token/messages/:message',
    auth: 'none',
    handler: editWebhookMessage,
  },
  {
    method: 'DELETE',
    pattern: '/webhooks/:app/:token/messages/:message',
    auth: 'none',
    handler: deleteWebhookMessage,
  },
];
