/**
 * Joins and leaves with Discord's invite semantics. A join at t0 makes the user a member at once
 * (joined_at = t0, REST shows them); when the used invite's `uses` moves and when GUILD_MEMBER_ADD
 * is dispatched follow the join's plan (JoinTiming, drawn per join, or per-join overrides):
 * before-dispatch joins count at t0 and dispatch incrementDelay + eventDelay later, after-dispatch
 * joins dispatch eventDelay after t0 and count incrementDelay after that. Each join waits on its own
 * timers, so other events (and other joins) are never held back: a delayed GUILD_MEMBER_ADD simply
 * gets its `s` when it is sent, after whatever was sent meanwhile.
 * A used-up max-uses invite vanishes when its counter moves; its INVITE_DELETE follows both the
 * increment and the join's GUILD_MEMBER_ADD. Vanity joins raise only the vanity uses; bot,
 * discovery and OAuth joins change no counter. The ground truth of each join is recorded.
 */
import type { Core } from './core';
import { memberPayload, userPayload } from './payloads';
import { dispatchInviteDelete, removeBotFromGuild } from './scenario';
import { discordTimestamp } from './snowflake';
import { SimError, type InviteRec, type MemberRec } from './state';
import { planJoin, validateOverrides } from './timing';
import type { JoinRequest, JoinTruth } from './types';

export async function join(
  core: Core,
  guildId: string,
  userId: string,
  via: JoinRequest,
): Promise<JoinTruth> {
  const { world, gateway } = core;
  const guild = world.guild(guildId);
  const user = world.user(userId);
  if (guild.unavailable) throw new SimError(`guild ${guildId} is unavailable`);
  if (guild.members.has(userId) || core.joining.has(`${guildId}|${userId}`)) {
    throw new SimError(`user ${userId} is already a member of guild ${guildId}`);
  }
  validateOverrides(via);
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
  const plan = planJoin(core.config.joinTiming, () => core.timingRandom.next(), via);

  const key = `${guildId}|${userId}`;
  core.joining.add(key);
  const member: MemberRec = {
    userId,
    roles: [],
    joinedAt: discordTimestamp(Date.now()),
    temporary: invite?.temporary ?? false,
    // DID_REJOIN
    flags: guild.pastMembers.has(userId) ? 1 : 0,
  };
  guild.members.set(userId, member);

  let usedUp = false;
  let countedAt: number | null = null;
  const used = invite;
  const increment = () => {
    if (used) {
      used.reserved--;
      // Deleted or expired while the join was in flight: there is no counter left to move.
      if (world.liveInvite(used.code) !== used) return;
      used.uses++;
      countedAt = Date.now();
      // A used-up invite is gone at once; its INVITE_DELETE comes after the GUILD_MEMBER_ADD.
      if (used.maxUses > 0 && used.uses >= used.maxUses) {
        world.removeInvite(used.code);
        usedUp = true;
      }
    } else if (kind === 'vanity') {
      guild.vanityUses++;
      countedAt = Date.now();
    }
  };
  let truth: JoinTruth | undefined;
  const dispatch = () => {
    const sequence = gateway.dispatch(
      'GUILD_MEMBER_ADD',
      { ...memberPayload(core, member), guild_id: guildId },
      guildId,
    );
    truth = {
      guildId,
      userId,
      via: kind,
      code,
      inviterId,
      joinedAt: member.joinedAt,
      sequence,
      countedAt,
      dispatchedAt: Date.now(),
      plan,
    };
    core.joins.push(truth);
  };
  try {
    if (plan.incrementTiming === 'before-dispatch') {
      increment();
      await core.sleep(plan.incrementDelayMs + plan.eventDelayMs);
      dispatch();
    } else {
      await core.sleep(plan.eventDelayMs);
      dispatch();
      await core.sleep(plan.incrementDelayMs);
      increment();
      if (truth) truth.countedAt = countedAt;
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
  // Its GUILD_MEMBER_ADD may still be pending; a REMOVE before the ADD would be nonsense.
  if (core.joining.has(`${guildId}|${userId}`)) {
    throw new SimError(`the join of ${userId} to guild ${guildId} is still in flight`);
  }
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
