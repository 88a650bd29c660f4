/**
 * The HTTP JSON control API under /_sim: the same operations as the TypeScript API, for the CLI,
 * the demo and other processes. Bigints (permissions) travel as decimal strings. Errors are
 * 400 {"error": "..."}; unknown control routes 404. No auth: it listens on 127.0.0.1 only.
 */
import { isRecord, json, matchPattern, type Reply } from './http';
import { toPermissionBits } from './permissions';
import type { Simulator } from './simulator';
import { SimError } from './state';
import type {
  JoinRequest,
  JoinTimingOptions,
  JoinVia,
  RateLimitRule,
  RouteMatcher,
  SimOverwrite,
} from './types';

type Body = Record<string, unknown>;
type Handler = (sim: Simulator, p: Record<string, string>, body: Body, url: URL) => unknown;
type ControlRoute = [method: string, pattern: string, handler: Handler];

class BadRequest extends Error {}

function str(body: Body, key: string): string {
  const value = body[key];
  if (typeof value !== 'string') throw new BadRequest(`"${key}" must be a string`);
  return value;
}
function optStr(body: Body, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadRequest(`"${key}" must be a string`);
  return value;
}
function optNum(body: Body, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new BadRequest(`"${key}" must be a number`);
  return value;
}
function optBool(body: Body, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new BadRequest(`"${key}" must be a boolean`);
  return value;
}
function optStrings(body: Body, key: string): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new BadRequest(`"${key}" must be an array of strings`);
  }
  return value as string[];
}
function perms(body: Body, key: string): bigint | undefined {
  const value = body[key];
  return value === undefined ? undefined : toPermissionBits(value, 0n);
}

/** "GET /guilds/:id/invites", "*", or {"regex": "invites", "flags": "i"}. */
function route(body: Body): RouteMatcher {
  const value = body.route;
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.regex === 'string') {
    return new RegExp(value.regex, typeof value.flags === 'string' ? value.flags : '');
  }
  throw new BadRequest('"route" must be a route key, "*" or {"regex": "..."}');
}

function overwrites(value: unknown): SimOverwrite[] {
  if (!Array.isArray(value)) throw new BadRequest('"overwrites" must be an array');
  return value.map((o: unknown) => {
    if (!isRecord(o) || typeof o.id !== 'string' || (o.type !== 0 && o.type !== 1)) {
      throw new BadRequest('overwrite needs id and type 0 (role) or 1 (member)');
    }
    return {
      id: o.id,
      type: o.type,
      allow: toPermissionBits(o.allow, 0n),
      deny: toPermissionBits(o.deny, 0n),
    };
  });
}

function via(body: Body): JoinVia {
  if (typeof body.code === 'string') return { code: body.code };
  if (body.vanity === true) return { vanity: true };
  if (body.bot === true) return { bot: true };
  if (body.source === 'discovery' || body.source === 'oauth') return { source: body.source };
  throw new BadRequest(
    'join needs "code", "vanity": true, "bot": true or "source": "discovery" | "oauth"',
  );
}

/** A join's source plus its optional timing overrides (validated by join itself). */
function joinRequest(body: Body): JoinRequest {
  const timing = body.incrementTiming;
  if (timing !== undefined && timing !== 'before-dispatch' && timing !== 'after-dispatch') {
    throw new BadRequest('"incrementTiming" must be before-dispatch or after-dispatch');
  }
  return {
    ...via(body),
    eventDelayMs: optNum(body, 'eventDelayMs'),
    incrementTiming: timing,
    incrementDelayMs: optNum(body, 'incrementDelayMs'),
  };
}

/** Distributions and probability are validated by the simulator (SimError → 400). */
function joinTimingOptions(value: unknown): JoinTimingOptions {
  if (!isRecord(value)) throw new BadRequest('join timing must be a JSON object');
  return value as JoinTimingOptions;
}

/**
 * POST /guilds/:id/join. With "wait": false it answers once the join has started (the member
 * exists) instead of after a possibly delayed GUILD_MEMBER_ADD; refusals still come back as 400.
 */
async function controlJoin(sim: Simulator, guildId: string, body: Body): Promise<unknown> {
  const joining = sim.join(guildId, str(body, 'userId'), joinRequest(body));
  if (optBool(body, 'wait') !== false) return joining;
  joining.catch(() => undefined);
  // A refused join is rejected before its first await, so it settles ahead of this marker.
  const started = await Promise.race([joining, Promise.resolve(undefined)]);
  return started ?? { ok: true };
}

function interactionView(sim: Simulator, id: string) {
  const it = sim.getInteraction(id);
  if (!it) throw new SimError(`unknown interaction ${id}`);
  return {
    id: it.id,
    name: it.name,
    userId: it.userId,
    guildId: it.guildId,
    channelId: it.channelId,
    sequence: it.sequence,
    acknowledged: it.acknowledged,
    responses: it.responses,
    original: it.original,
    originalLoading: it.originalLoading,
    followUps: it.followUps,
  };
}

const routes: ControlRoute[] = [
  [
    'GET',
    '/_sim',
    (sim) => ({
      api: sim.api,
      gateway: sim.gatewayUrl,
      control: sim.controlUrl,
      authorize: sim.authorizeUrl,
      port: sim.port,
      applicationId: sim.applicationId,
      clientId: sim.oauth.clientId,
      botUser: sim.botUser,
    }),
  ],
  [
    'POST',
    '/_sim/users',
    (sim, _p, b) =>
      sim.createUser({
        username: optStr(b, 'username'),
        globalName: b.globalName === null ? null : optStr(b, 'globalName'),
        avatar: optStr(b, 'avatar'),
        bot: optBool(b, 'bot'),
        dmsClosed: optBool(b, 'dmsClosed'),
        locale: optStr(b, 'locale'),
      }),
  ],
  ['GET', '/_sim/users/:id', (sim, p) => sim.getUser(p.id ?? '') ?? notFound('user')],
  [
    'POST',
    '/_sim/guilds',
    (sim, _p, b) =>
      sim.createGuild({
        name: optStr(b, 'name'),
        ownerId: optStr(b, 'ownerId'),
        features: optStrings(b, 'features'),
        vanityCode: b.vanityCode === null ? null : optStr(b, 'vanityCode'),
        vanityUses: optNum(b, 'vanityUses'),
        locale: optStr(b, 'locale'),
        botPermissions: perms(b, 'botPermissions'),
        everyonePermissions: perms(b, 'everyonePermissions'),
        unavailable: optBool(b, 'unavailable'),
        withBot: optBool(b, 'withBot'),
        id: optStr(b, 'id'),
      }),
  ],
  [
    'GET',
    '/_sim/guilds/:id',
    (sim, p) => {
      const guild = sim.getGuild(p.id ?? '') ?? notFound('guild');
      return { ...guild, members: sim.members(guild.id), invites: sim.invites(guild.id) };
    },
  ],
  [
    'POST',
    '/_sim/guilds/:id/channels',
    (sim, p, b) =>
      sim.createChannel(p.id ?? '', {
        name: str(b, 'name'),
        type: optNum(b, 'type'),
        parentId: optStr(b, 'parentId'),
        overwrites: b.overwrites === undefined ? undefined : overwrites(b.overwrites),
        topic: optStr(b, 'topic'),
      }),
  ],
  ['DELETE', '/_sim/channels/:id', (sim, p) => sim.deleteChannel(p.id ?? '')],
  [
    'PUT',
    '/_sim/channels/:id/overwrites',
    (sim, p, b) => sim.setChannelOverwrites(p.id ?? '', overwrites(b.overwrites)),
  ],
  [
    'POST',
    '/_sim/guilds/:id/roles',
    (sim, p, b) =>
      sim.createRole(p.id ?? '', {
        name: str(b, 'name'),
        permissions: perms(b, 'permissions') ?? 0n,
      }),
  ],
  [
    'PATCH',
    '/_sim/guilds/:id/roles/:role',
    (sim, p, b) => sim.setRolePermissions(p.id ?? '', p.role ?? '', perms(b, 'permissions') ?? 0n),
  ],
  [
    'POST',
    '/_sim/guilds/:id/members',
    (sim, p, b) => sim.addMember(p.id ?? '', str(b, 'userId'), { roles: optStrings(b, 'roles') }),
  ],
  [
    'PUT',
    '/_sim/guilds/:id/members/:user/roles',
    (sim, p, b) => sim.setMemberRoles(p.id ?? '', p.user ?? '', optStrings(b, 'roles') ?? []),
  ],
  ['POST', '/_sim/guilds/:id/join', (sim, p, b) => controlJoin(sim, p.id ?? '', b)],
  ['POST', '/_sim/guilds/:id/leave', (sim, p, b) => sim.leave(p.id ?? '', str(b, 'userId'))],
  [
    'POST',
    '/_sim/guilds/:id/disconnect',
    (sim, p, b) => ({ kicked: sim.disconnectMember(p.id ?? '', str(b, 'userId')) }),
  ],
  ['POST', '/_sim/guilds/:id/bot', (sim, p) => sim.addBotToGuild(p.id ?? '')],
  ['DELETE', '/_sim/guilds/:id/bot', (sim, p) => sim.removeBotFromGuild(p.id ?? '')],
  [
    'PUT',
    '/_sim/guilds/:id/unavailable',
    (sim, p, b) => sim.setGuildUnavailable(p.id ?? '', optBool(b, 'unavailable') ?? true),
  ],
  [
    'PUT',
    '/_sim/guilds/:id/vanity',
    (sim, p, b) =>
      sim.setVanity(p.id ?? '', b.code === null ? null : str(b, 'code'), optNum(b, 'uses')),
  ],
  [
    'POST',
    '/_sim/guilds/:id/invites',
    (sim, p, b) =>
      sim.createInvite(p.id ?? '', {
        channelId: optStr(b, 'channelId'),
        inviterId: b.inviterId === null ? null : optStr(b, 'inviterId'),
        maxUses: optNum(b, 'maxUses'),
        maxAge: optNum(b, 'maxAge'),
        temporary: optBool(b, 'temporary'),
        code: optStr(b, 'code'),
        uses: optNum(b, 'uses'),
      }),
  ],
  ['GET', '/_sim/guilds/:id/invites', (sim, p) => sim.invites(p.id ?? '')],
  ['GET', '/_sim/invites/:code', (sim, p) => sim.getInvite(p.code ?? '') ?? notFound('invite')],
  ['DELETE', '/_sim/invites/:code', (sim, p) => sim.deleteInvite(p.code ?? '')],
  ['POST', '/_sim/invites/:code/expire', (sim, p) => sim.expireInvite(p.code ?? '')],
  [
    'POST',
    '/_sim/interactions',
    async (sim, _p, b) => {
      const it = await sim.invokeCommand({
        userId: str(b, 'userId'),
        guildId: optStr(b, 'guildId'),
        channelId: optStr(b, 'channelId'),
        name: str(b, 'name'),
        options: Array.isArray(b.options) ? b.options : undefined,
        locale: optStr(b, 'locale'),
        guildLocale: optStr(b, 'guildLocale'),
        type: optNum(b, 'type'),
        commandType: optNum(b, 'commandType'),
        targetId: optStr(b, 'targetId'),
      });
      return { id: it.id, token: it.token, sequence: it.sequence };
    },
  ],
  ['GET', '/_sim/interactions/:id', (sim, p) => interactionView(sim, p.id ?? '')],
  [
    'POST',
    '/_sim/faults/latency',
    (sim, _p, b) => sim.faults.latency(route(b), optNum(b, 'ms') ?? 0),
  ],
  [
    'POST',
    '/_sim/faults/rate-limit',
    (sim, _p, b) =>
      sim.faults.rateLimit(route(b), {
        count: optNum(b, 'count') ?? 1,
        retryAfter: optNum(b, 'retryAfter'),
        retryAfterMs: optNum(b, 'retryAfterMs'),
        global: optBool(b, 'global'),
        scope: b.scope === 'shared' ? 'shared' : undefined,
      }),
  ],
  [
    'POST',
    '/_sim/faults/server-error',
    (sim, _p, b) =>
      sim.faults.serverError(route(b), {
        count: optNum(b, 'count') ?? 1,
        status: optNum(b, 'status'),
      }),
  ],
  [
    'POST',
    '/_sim/faults/drop-connections',
    (sim, _p, b) => sim.faults.dropConnections(optNum(b, 'shardId')),
  ],
  ['POST', '/_sim/faults/reconnect', (sim, _p, b) => sim.faults.reconnect(optNum(b, 'shardId'))],
  [
    'POST',
    '/_sim/faults/invalidate-session',
    (sim, _p, b) =>
      sim.faults.invalidateSession(optBool(b, 'resumable') ?? false, optNum(b, 'shardId')),
  ],
  [
    'POST',
    '/_sim/faults/close-shard',
    (sim, _p, b) => sim.faults.closeShard(optNum(b, 'shardId') ?? 0, optNum(b, 'code') ?? 4000),
  ],
  [
    'POST',
    '/_sim/faults/drop-heartbeat-acks',
    (sim, _p, b) => sim.faults.dropHeartbeatAcks(optNum(b, 'count') ?? 1),
  ],
  ['POST', '/_sim/faults/clear', (sim) => sim.faults.clear()],
  [
    'GET',
    '/_sim/requests',
    (sim, _p, _b, url) => {
      const since = Number(url.searchParams.get('since') ?? 0);
      const key = url.searchParams.get('routeKey');
      return sim.requests.filter((r) => r.id > since && (!key || r.routeKey === key));
    },
  ],
  [
    'GET',
    '/_sim/messages',
    (sim, _p, _b, url) => sim.messages(url.searchParams.get('channelId') ?? undefined),
  ],
  ['GET', '/_sim/dms/:user', (sim, p) => sim.dms(p.user ?? '')],
  ['GET', '/_sim/dm-failures', (sim) => sim.dmFailures],
  ['GET', '/_sim/joins', (sim) => sim.joins],
  [
    'GET',
    '/_sim/rate-limited',
    (sim) => ({ total: sim.rateLimited, byRoute: sim.rateLimitedByRoute }),
  ],
  [
    'GET',
    '/_sim/commands',
    (sim, _p, _b, url) => sim.commands(url.searchParams.get('guildId') ?? undefined),
  ],
  ['GET', '/_sim/shards', (sim) => sim.shards],
  [
    'GET',
    '/_sim/dispatches',
    (sim, _p, _b, url) => sim.dispatchLog.slice(Number(url.searchParams.get('since') ?? 0)),
  ],
  [
    'PUT',
    '/_sim/oauth/user',
    (sim, _p, b) => sim.setOAuthUser(b.userId === null ? null : str(b, 'userId')),
  ],
  [
    'PUT',
    '/_sim/oauth/redirect-uris',
    (sim, _p, b) => sim.setRedirectUris(b.uris === null ? null : (optStrings(b, 'uris') ?? null)),
  ],
  [
    'POST',
    '/_sim/oauth/tokens',
    (sim, _p, b) => ({
      access_token: sim.issueAccessToken(str(b, 'userId'), optStrings(b, 'scopes')),
    }),
  ],
  ['GET', '/_sim/join-timing', (sim) => sim.joinTiming],
  ['PUT', '/_sim/join-timing', (sim, _p, b) => sim.setJoinTiming(joinTimingOptions(b))],
  ['PUT', '/_sim/config', (sim, _p, b) => configure(sim, b)],
];

function configure(sim: Simulator, b: Body): void {
  const privileged = optNum(b, 'privilegedIntents');
  if (privileged !== undefined) sim.setPrivilegedIntents(privileged);
  const deadline = optNum(b, 'interactionDeadlineMs');
  if (deadline !== undefined) sim.setInteractionDeadline(deadline);
  const latency = optNum(b, 'restLatencyMs');
  if (latency !== undefined) sim.setRestLatency(latency);
  if (isRecord(b.invites)) {
    const timing = b.invites.incrementTiming;
    if (timing !== undefined && timing !== 'before-dispatch' && timing !== 'after-dispatch') {
      throw new BadRequest('"invites.incrementTiming" must be before-dispatch or after-dispatch');
    }
    sim.setInviteTiming({
      incrementTiming: timing,
      incrementDelayMs: optNum(b.invites, 'incrementDelayMs'),
    });
  }
  if (b.joinTiming !== undefined) sim.setJoinTiming(joinTimingOptions(b.joinTiming));
  if (b.globalRateLimit === null) sim.setGlobalRateLimit(null);
  else if (isRecord(b.globalRateLimit)) {
    sim.setGlobalRateLimit({ perSecond: optNum(b.globalRateLimit, 'perSecond') ?? 50 });
  }
  if (isRecord(b.rateLimits)) {
    for (const [key, rule] of Object.entries(b.rateLimits)) {
      if (
        rule !== null &&
        !(isRecord(rule) && typeof rule.limit === 'number' && typeof rule.resetAfterMs === 'number')
      ) {
        throw new BadRequest(`rate limit "${key}" needs {limit, resetAfterMs} or null`);
      }
      sim.setRateLimit(key, rule as RateLimitRule | null);
    }
  }
}

function notFound(what: string): never {
  throw new SimError(`unknown ${what}`);
}

export async function handleControl(
  sim: Simulator,
  method: string,
  url: URL,
  raw: Buffer,
): Promise<Reply> {
  let body: Body = {};
  if (raw.length > 0) {
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (!isRecord(parsed)) return json({ error: 'body must be a JSON object' }, 400);
      body = parsed;
    } catch {
      return json({ error: 'body is not valid JSON' }, 400);
    }
  }
  const path =
    url.pathname
      .replace(/\/$/, '')
      .split('/')
      .map((segment) => {
        try {
          return decodeURIComponent(segment);
        } catch {
          return segment;
        }
      })
      .join('/') || '/_sim';
  let pathKnown = false;
  for (const [m, pattern, handler] of routes) {
    const params = matchPattern(pattern, path);
    if (!params) continue;
    pathKnown = true;
    if (m !== method) continue;
    try {
      const result = await handler(sim, params, body, url);
      // Bigints become decimal strings when the reply is serialized.
      return json(result === undefined ? { ok: true } : result);
    } catch (error) {
      if (error instanceof SimError || error instanceof BadRequest || error instanceof TypeError) {
        return json({ error: error.message }, 400);
      }
      throw error;
    }
  }
  return json(
    { error: pathKnown ? 'method not allowed' : `unknown control route ${method} ${path}` },
    pathKnown ? 405 : 404,
  );
}
