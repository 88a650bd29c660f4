/** /gateway/bot, the current user (bot or OAuth bearer), their guilds, DM channels. */
import { applicationFlags } from '../gateway';
import { E, isRecord, json, type RequestContext, type Route } from '../http';
import { dmChannelFor } from '../interactions';
import { userPayload } from '../payloads';
import { basePermissions } from '../permissions';
import type { UserRec } from '../state';
import { intParam } from './common';

function gatewayBot({ core }: RequestContext) {
  const day = 86_400_000;
  return json({
    url: core.gatewayUrl,
    shards: core.config.recommendedShards,
    session_start_limit: {
      total: 1000,
      remaining: Math.max(0, 1000 - core.gateway.identifies),
      reset_after: day - ((Date.now() - core.startedAt) % day),
      max_concurrency: 1,
    },
  });
}

function requireScope(ctx: RequestContext, scope: string): void {
  if (ctx.auth.kind === 'bearer' && !ctx.auth.bearer?.scopes.includes(scope))
    throw E.unauthorized();
}

/** The user the request acts as: the bot, or the owner of the bearer token. */
function actor(ctx: RequestContext): UserRec {
  const id =
    ctx.auth.kind === 'bearer' && ctx.auth.bearer ? ctx.auth.bearer.userId : ctx.core.botUser.id;
  return ctx.core.world.user(id);
}

function me(ctx: RequestContext) {
  requireScope(ctx, 'identify');
  const user = actor(ctx);
  if (ctx.auth.kind === 'bot') {
    return json({
      ...userPayload(user),
      verified: true,
      mfa_enabled: false,
      locale: 'en-US',
      email: null,
      bio: '',
    });
  }
  const email = ctx.auth.bearer?.scopes.includes('email');
  return json({
    ...userPayload(user),
    mfa_enabled: false,
    locale: user.locale,
    premium_type: 0,
    ...(email ? { email: `${user.username}@users.sim.invalid`, verified: true } : {}),
  });
}

/** Partial guilds with the user's computed permissions (decimal string). */
function myGuilds(ctx: RequestContext) {
  requireScope(ctx, 'guilds');
  const user = actor(ctx);
  const { core, query } = ctx;
  const limit = intParam(query.get('limit'), 200, 1, 200);
  const before = query.get('before');
  const after = query.get('after');
  const withCounts = query.get('with_counts') === 'true';
  const list = [...core.world.guilds.values()]
    .filter((g) => g.members.has(user.id) && (user.id !== core.botUser.id || g.botPresent))
    .filter(
      (g) =>
        (after ? BigInt(g.id) > BigInt(after) : true) &&
        (before ? BigInt(g.id) < BigInt(before) : true),
    )
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
    .slice(0, limit)
    .map((g) => ({
      id: g.id,
      name: g.name,
      icon: null,
      banner: null,
      owner: g.ownerId === user.id,
      permissions: basePermissions(g, user.id).toString(),
      features: [...g.features],
      ...(withCounts
        ? { approximate_member_count: g.members.size, approximate_presence_count: 0 }
        : {}),
    }));
  return json(list);
}

function openDm(ctx: RequestContext) {
  const recipientId = isRecord(ctx.body) ? ctx.body.recipient_id : undefined;
  if (typeof recipientId !== 'string') {
    throw E.invalidForm('recipient_id', 'BASE_TYPE_REQUIRED', 'This field is required');
  }
  const user = ctx.core.world.users.get(recipientId);
  if (!user) throw E.unknownUser();
  const channel = dmChannelFor(ctx.core, user.id);
  return json({
    id: channel.id,
    type: 1,
    last_message_id: channel.lastMessageId,
    flags: 0,
    recipients: [userPayload(user)],
  });
}

function getUser(ctx: RequestContext) {
  const user = ctx.core.world.users.get(ctx.params.user ?? '');
  if (!user) throw E.unknownUser();
  return json(userPayload(user));
}

function application({ core }: RequestContext) {
  return json({
    id: core.applicationId,
    name: core.botUser.username,
    icon: null,
    description: '',
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: core.ids.hex(64),
    flags: applicationFlags(core),
    bot: userPayload(core.botUser),
    redirect_uris: core.config.redirectUris ?? [],
    team: null,
  });
}

/** Current authorization of a bearer token. */
function oauthMe(ctx: RequestContext) {
  const bearer = ctx.auth.bearer;
  if (!bearer) throw E.unauthorized();
  const user = ctx.core.world.user(bearer.userId);
  return json({
    application: {
      id: ctx.core.applicationId,
      name: ctx.core.botUser.username,
      icon: null,
      description: '',
    },
    scopes: bearer.scopes,
    expires: new Date(bearer.expiresAt).toISOString(),
    ...(bearer.scopes.includes('identify') ? { user: userPayload(user) } : {}),
  });
}

export const userRoutes: Route[] = [
  { method: 'GET', pattern: '/gateway/bot', auth: 'bot', handler: gatewayBot },
  {
    method: 'GET',
    pattern: '/gateway',
    auth: 'none',
    handler: ({ core }) => json({ url: core.gatewayUrl }),
  },
  { method: 'GET', pattern: '/users/@me', auth: 'bot-or-bearer', handler: me },
  { method: 'GET', pattern: '/users/@me/guilds', auth: 'bot-or-bearer', handler: myGuilds },
  { method: 'POST', pattern: '/users/@me/channels', auth: 'bot', handler: openDm },
  { method: 'GET', pattern: '/users/:user', auth: 'bot', handler: getUser },
  { method: 'GET', pattern: '/applications/@me', auth: 'bot', handler: application },
  { method: 'GET', pattern: '/oauth2/applications/@me', auth: 'bot', handler: application },
  { method: 'GET', pattern: '/oauth2/@me', auth: 'bearer', handler: oauthMe },
];
