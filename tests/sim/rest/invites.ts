/** Single invites: resolve, delete, and create through a channel (the bot as inviter). */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { E, isRecord, json, type RequestContext, type Route } from '../http';
import { invitePayload } from '../payloads';
import { has } from '../permissions';
import { createInvite, deleteInvite } from '../scenario';
import { botChannelPermissions, botGuild, botGuildPermissions, knownChannel } from './common';

/** GET /invites/{code}: public invite info, no metadata; the vanity code resolves too. */
function getInvite(ctx: RequestContext) {
  const { core } = ctx;
  const code = ctx.params.code ?? '';
  const counts = (guildId: string) =>
    ctx.query.get('with_counts') === 'true'
      ? {
          approximate_member_count: core.world.guild(guildId).members.size,
          approximate_presence_count: 0,
        }
      : {};
  const invite = core.world.liveInvite(code);
  if (invite) return json({ ...invitePayload(core, invite, false), ...counts(invite.guildId) });
  const guild = [...core.world.guilds.values()].find((g) => g.vanityCode === code);
  if (!guild) throw E.unknownInvite();
  return json({
    type: 0,
    code,
    guild: { id: guild.id, name: guild.name, features: [...guild.features], vanity_url_code: code },
    channel: null,
    expires_at: null,
    ...counts(guild.id),
  });
}

/** DELETE /invites/{code}: MANAGE_CHANNELS on the channel or MANAGE_GUILD; INVITE_DELETE. */
function removeInvite(ctx: RequestContext) {
  const { core } = ctx;
  const invite = core.world.liveInvite(ctx.params.code ?? '');
  if (!invite) throw E.unknownInvite();
  const guild = botGuild(core, invite.guildId);
  const channel = core.world.channel(invite.channelId);
  const allowed =
    has(botGuildPermissions(core, guild), P.ManageGuild) ||
    has(botChannelPermissions(core, guild, channel), P.ManageChannels);
  if (!allowed) throw E.missingPermissions();
  const payload = invitePayload(core, invite, true);
  deleteInvite(core, invite.code, core.botUser.id);
  return json(payload);
}

/** POST /channels/{id}/invites: CREATE_INSTANT_INVITE; defaults max_age 86400, max_uses 0. */
function createChannelInvite(ctx: RequestContext) {
  const { core } = ctx;
  const channel = knownChannel(core, ctx.params.channel ?? '');
  if (!channel.guildId) throw E.unknownChannel();
  const guild = botGuild(core, channel.guildId);
  if (!has(botChannelPermissions(core, guild, channel), P.CreateInstantInvite))
    throw E.missingPermissions();
  const body = isRecord(ctx.body) ? ctx.body : {};
  const maxAge = typeof body.max_age === 'number' ? body.max_age : 86_400;
  const maxUses = typeof body.max_uses === 'number' ? body.max_uses : 0;
  if (maxAge < 0 || maxAge > 604_800) {
    throw E.invalidForm(
      'max_age',
      'NUMBER_TYPE_MAX',
      'int value should be less than or equal to 604800.',
    );
  }
  if (maxUses < 0 || maxUses > 100) {
    throw E.invalidForm(
      'max_uses',
      'NUMBER_TYPE_MAX',
      'int value should be less than or equal to 100.',
    );
  }
  const invite = createInvite(core, guild.id, {
    channelId: channel.id,
    inviterId: core.botUser.id,
    maxAge,
    maxUses,
    temporary: body.temporary === true,
  });
  return json(invitePayload(core, invite, true));
}

export const inviteRoutes: Route[] = [
  { method: 'GET', pattern: '/invites/:code', auth: 'bot', handler: getInvite },
  { method: 'DELETE', pattern: '/invites/:code', auth: 'bot', handler: removeInvite },
  {
    method: 'POST',
    pattern: '/channels/:channel/invites',
    auth: 'bot',
    handler: createChannelInvite,
  },
];
