/** Guild reads, members (incl. OAuth guilds.join and kicks), invites and the vanity URL. */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { E, apiError, isRecord, json, noContent, type RequestContext, type Route } from '../http';
import { join, leave } from '../joins';
import { setMemberRoles } from '../scenario';
import {
  channelPayload,
  guildPayload,
  invitePayload,
  memberPayload,
  rolePayload,
} from '../payloads';
import { has } from '../permissions';
import { botGuild, botGuildPermissions, intParam } from './common';

function getGuild(ctx: RequestContext) {
  const guild = botGuild(ctx.core, ctx.params.guild ?? '');
  const counts =
    ctx.query.get('with_counts') === 'true'
      ? { approximate_member_count: guild.members.size, approximate_presence_count: 0 }
      : {};
  return json({ ...guildPayload(guild), ...counts });
}

function getChannels(ctx: RequestContext) {
  const guild = botGuild(ctx.core, ctx.params.guild ?? '');
  return json(ctx.core.world.guildChannels(guild).map(channelPayload));
}

function getRoles(ctx: RequestContext) {
  const guild = botGuild(ctx.core, ctx.params.guild ?? '');
  return json([...guild.roles.values()].sort((a, b) => a.position - b.position).map(rolePayload));
}

function getMember(ctx: RequestContext) {
  const guild = botGuild(ctx.core, ctx.params.guild ?? '');
  const member = guild.members.get(ctx.params.user ?? '');
  if (!member) throw E.unknownMember();
  return json(memberPayload(ctx.core, member));
}

/** List members: needs the GUILD_MEMBERS privileged intent enabled for the app. */
function listMembers(ctx: RequestContext) {
  const { core, query } = ctx;
  const guild = botGuild(core, ctx.params.guild ?? '');
  if (!(core.config.privilegedIntents & (1 << 1))) throw E.missingAccess();
  const limit = intParam(query.get('limit'), 1, 1, 1000);
  const after = BigInt(query.get('after') ?? '0');
  const members = [...guild.members.values()]
    .filter((m) => BigInt(m.userId) > after)
    .sort((a, b) => (BigInt(a.userId) < BigInt(b.userId) ? -1 : 1))
    .slice(0, limit);
  return json(members.map((m) => memberPayload(core, m)));
}

/** OAuth2 guilds.join: adds the token's user; a join that changes no invite counter. */
async function addGuildMember(ctx: RequestContext) {
  const { core } = ctx;
  const guild = botGuild(core, ctx.params.guild ?? '');
  const userId = ctx.params.user ?? '';
  if (!has(botGuildPermissions(core, guild), P.CreateInstantInvite)) throw E.missingPermissions();
  const accessToken = isRecord(ctx.body) ? ctx.body.access_token : undefined;
  if (typeof accessToken !== 'string') {
    throw E.invalidForm('access_token', 'BASE_TYPE_REQUIRED', 'This field is required');
  }
  const rec = core.oauth.lookupAccess(accessToken);
  if (!rec || rec.userId !== userId || !rec.scopes.includes('guilds.join')) {
    throw apiError(403, 50025, 'Invalid OAuth2 access token');
  }
  if (guild.members.has(userId)) return noContent();
  // The member exists as soon as the join starts; its GUILD_MEMBER_ADD may lag (join timing), and
  // Discord answers without waiting for the event.
  const joining = join(core, guild.id, userId, { source: 'oauth' });
  const member = guild.members.get(userId);
  if (!member) await joining; // refused: rethrows why
  joining.catch(() => undefined);
  return json(member ? memberPayload(core, member) : null, 201);
}

function kickMember(ctx: RequestContext) {
  const { core } = ctx;
  const guild = botGuild(core, ctx.params.guild ?? '');
  const userId = ctx.params.user ?? '';
  if (!has(botGuildPermissions(core, guild), P.KickMembers)) throw E.missingPermissions();
  if (!guild.members.has(userId)) throw E.unknownMember();
  if (userId === guild.ownerId) throw E.missingPermissions();
  leave(core, guild.id, userId);
  return noContent();
}

/**
 * PUT/DELETE /guilds/{id}/members/{user}/roles/{role}: MANAGE_ROLES, and (unless the bot owns the
 * guild) only roles below the bot's highest role and never a managed one, like Discord: 403 50013
 * otherwise. Adding a role the member has (or removing one they lack) changes nothing and sends no
 * event; a change dispatches GUILD_MEMBER_UPDATE.
 */
function changeMemberRole(ctx: RequestContext, add: boolean) {
  const { core } = ctx;
  const guild = botGuild(core, ctx.params.guild ?? '');
  const member = guild.members.get(ctx.params.user ?? '');
  if (!member) throw E.unknownMember();
  const role = guild.roles.get(ctx.params.role ?? '');
  if (!role || role.id === guild.everyoneRoleId) throw E.unknownRole();
  if (!has(botGuildPermissions(core, guild), P.ManageRoles)) throw E.missingPermissions();
  if (guild.ownerId !== core.botUser.id) {
    const bot = guild.members.get(core.botUser.id);
    const highest = Math.max(
      0,
      ...(bot?.roles ?? []).map((id) => guild.roles.get(id)?.position ?? 0),
    );
    if (role.managed || role.position >= highest) throw E.missingPermissions();
  }
  const holds = member.roles.includes(role.id);
  if (add && !holds) setMemberRoles(core, guild.id, member.userId, [...member.roles, role.id]);
  if (!add && holds) {
    setMemberRoles(
      core,
      guild.id,
      member.userId,
      member.roles.filter((id) => id !== role.id),
    );
  }
  return noContent();
}

/**
 * MANAGE_GUILD or VIEW_AUDIT_LOG; metadata (uses...) only with MANAGE_GUILD. Never the vanity code,
 * never expired invites.
 */
function getInvites(ctx: RequestContext) {
  const { core } = ctx;
  const guild = botGuild(core, ctx.params.guild ?? '');
  const perms = botGuildPermissions(core, guild);
  const manage = has(perms, P.ManageGuild);
  if (!manage && !has(perms, P.ViewAuditLog)) throw E.missingPermissions();
  const invites = core.world.guildInvites(guild.id);
  return json(invites.map((invite) => invitePayload(core, invite, manage)));
}

function getVanity(ctx: RequestContext) {
  const { core } = ctx;
  const guild = botGuild(core, ctx.params.guild ?? '');
  if (!has(botGuildPermissions(core, guild), P.ManageGuild)) throw E.missingPermissions();
  if (!guild.features.includes('VANITY_URL')) throw E.invalidVanity();
  return json(
    guild.vanityCode ? { code: guild.vanityCode, uses: guild.vanityUses } : { code: null, uses: 0 },
  );
}

/** GET /guilds/{id}/audit-logs: VIEW_AUDIT_LOG; newest first, filters action_type, user_id, before, limit. */
function getAuditLog(ctx: RequestContext) {
  const { core } = ctx;
  const guild = botGuild(core, ctx.params.guild ?? '');
  if (!has(botGuildPermissions(core, guild), P.ViewAuditLog)) throw E.missingPermissions();
  const limit = intParam(ctx.query.get('limit'), 50, 1, 100);
  const actionType = ctx.query.has('action_type') ? Number(ctx.query.get('action_type')) : null;
  const userId = ctx.query.get('user_id');
  const beforeParam = ctx.query.get('before');
  const before = beforeParam && /^\d+$/.test(beforeParam) ? BigInt(beforeParam) : null;
  const entries = [...(core.world.auditLog.get(guild.id) ?? [])]
    .reverse()
    .filter((e) => actionType === null || e.actionType === actionType)
    .filter((e) => !userId || e.userId === userId)
    .filter((e) => before === null || BigInt(e.id) < before)
    .slice(0, limit);
  return json({
    audit_log_entries: entries.map((e) => ({
      id: e.id,
      action_type: e.actionType,
      user_id: e.userId,
      target_id: null,
      changes: e.changes,
    })),
    users: [],
    integrations: [],
    webhooks: [],
    guild_scheduled_events: [],
    threads: [],
    application_commands: [],
    auto_moderation_rules: [],
  });
}

export const guildRoutes: Route[] = [
  { method: 'GET', pattern: '/guilds/:guild/audit-logs', auth: 'bot', handler: getAuditLog },
  { method: 'GET', pattern: '/guilds/:guild', auth: 'bot', handler: getGuild },
  { method: 'GET', pattern: '/guilds/:guild/channels', auth: 'bot', handler: getChannels },
  { method: 'GET', pattern: '/guilds/:guild/roles', auth: 'bot', handler: getRoles },
  { method: 'GET', pattern: '/guilds/:guild/members', auth: 'bot', handler: listMembers },
  { method: 'GET', pattern: '/guilds/:guild/members/:user', auth: 'bot', handler: getMember },
  { method: 'PUT', pattern: '/guilds/:guild/members/:user', auth: 'bot', handler: addGuildMember },
  { method: 'DELETE', pattern: '/guilds/:guild/members/:user', auth: 'bot', handler: kickMember },
  {
    method: 'PUT',
    pattern: '/guilds/:guild/members/:user/roles/:role',
    auth: 'bot',
    handler: (ctx) => changeMemberRole(ctx, true),
  },
  {
    method: 'DELETE',
    pattern: '/guilds/:guild/members/:user/roles/:role',
    auth: 'bot',
    handler: (ctx) => changeMemberRole(ctx, false),
  },
  { method: 'GET', pattern: '/guilds/:guild/invites', auth: 'bot', handler: getInvites },
  { method: 'GET', pattern: '/guilds/:guild/vanity-url', auth: 'bot', handler: getVanity },
];
