/**
 * Joins and leaves with Discord's invite semantics: the used invite's `uses` goes up before
 * GUILD_MEMBER_ADD by default (order and a gap between the two configurable, to provoke races);
 * a used-up max-uses invite vanishes and its INVITE_DELETE follows the join's GUILD_MEMBER_ADD;
 * vanity joins raise only the vanity uses; bot, discovery and OAuth joins change no counter.
 * The ground truth of each join is recorded for scoring attribution.
 */
import type { Core } from './core';
import { memberPayload, userPayload } from './payloads';
import { dispatchInviteDelete, removeBotFromGuild } from './scenario';
import { discordTimestamp } from './snowflake';
import { SimError, type InviteRec, type MemberRec } from './state';
import type { JoinTruth, JoinVia } from './types';

export async function join(
  core: Core,
  guildId: string,
  userId: string,
  via: JoinVia,
): Promise<JoinTruth> {
  const { world, gateway, config } = core;
  const guild = world.guild(guildId);
  const user = world.user(userId);
  if (guild.unavailable) throw new SimError(`guild ${guildId} is unavailable`);
  if (guild.members.has(userId) || core.joining.has(`${guildId}|${userId}`)) {
    throw new SimError(`user ${userId} is already a member of guild ${guildId}`);
  }
  let kind: JoinTruth['via'];
  let code: string | null = null;
  let inviterId: string | null = null;
  let invite: InviteRec | undefined;
  if ('code' in via) {
    if (user.bot) throw new SimError('bots cannot use invites; join them with { bot: true }');
    invite = world.liveInvite(via.code);
    if (!invite || invite.guildId !== guildId)
      throw new SimError(`unknown invite ${via.code} for guild ${guildId}`);
    if (invite.maxUses > 0 && invite.uses + invite.reserved >= invite.maxUses) {
      throw new SimError(`invite ${via.code} is used up`);
    }
    invite.reserved++;
    kind = 'code';
    code = invite.code;
    inviterId = invite.inviterId;
  } else if ('vanity' in via) {
    if (!guild.vanityCode) throw new SimError(`guild ${guildId} has no vanity code`);
    kind = 'vanity';
    code = guild.vanityCode;
  } else if ('bot' in via) {
    if (!user.bot) throw new SimError(`user ${userId} is not a bot`);
    kind = 'bot';
  } else {
    kind = via.source;
  }

  const key = `${guildId}|${userId}`;
  core.joining.add(key);
  let usedUp = false;
  const used = invite;
  const increment = () => {
    if (used) {
      used.reserved--;
      used.uses++;
      // A used-up invite is gone at once; its INVITE_DELETE comes after the GUILD_MEMBER_ADD.
      if (used.maxUses > 0 && used.uses >= used.maxUses) {
        world.removeInvite(used.code);
        usedUp = true;
      }
    } else if (kind === 'vanity') {
      guild.vanityUses++;
    }
  };
  let truth: JoinTruth | undefined;
  const addMember = () => {
    const member: MemberRec = {
      userId,
      roles: [],
      joinedAt: discordTimestamp(Date.now()),
      temporary: used?.temporary ?? false,
      // DID_REJOIN
      flags: guild.pastMembers.has(userId) ? 1 : 0,
    };
    guild.members.set(userId, member);
    const sequence = gateway.dispatch(
      'GUILD_MEMBER_ADD',
      { ...memberPayload(core, member), guild_id: guildId },
      guildId,
    );
    truth = { guildId, userId, via: kind, code, inviterId, joinedAt: member.joinedAt, sequence };
    core.joins.push(truth);
  };
  try {
    if (config.incrementTiming === 'before-dispatch') {
      increment();
      await core.sleep(config.incrementDelayMs);
      addMember();
    } else {
      addMember();
      await core.sleep(config.incrementDelayMs);
      increment();
    }
    if (usedUp && used) dispatchInviteDelete(core, used);
  } finally {
    core.joining.delete(key);
  }
  if (!truth) throw new SimError('join did not complete');
  return truth;
}

/** Leave (or kick): GUILD_MEMBER_REMOVE {guild_id, user}. The bot leaving is GUILD_DELETE. */
export function leave(core: Core, guildId: string, userId: string): void {
  const guild = core.world.guild(guildId);
  if (userId === core.botUser.id) return removeBotFromGuild(core, guildId);
  if (userId === guild.ownerId) throw new SimError('the owner cannot leave their guild');
  core.world.member(guildId, userId);
  guild.members.delete(userId);
  guild.pastMembers.add(userId);
  if (guild.botPresent) {
    core.gateway.dispatch(
      'GUILD_MEMBER_REMOVE',
      { guild_id: guildId, user: userPayload(core.world.user(userId)) },
      guildId,
    );
  }
}

/**
 * The member's client disconnects. Members who came through a temporary invite and still have no
 * role are kicked (GUILD_MEMBER_REMOVE); returns whether that happened.
 */
export function disconnectMember(core: Core, guildId: string, userId: string): boolean {
  const member = core.world.member(guildId, userId);
  if (!member.temporary || member.roles.length > 0) return false;
  leave(core, guildId, userId);
  return true;
}
