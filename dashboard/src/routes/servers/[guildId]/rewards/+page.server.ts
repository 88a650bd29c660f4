/**
 * Rewards: reward role tiers (roles by name and colour as the bot sees them, those it cannot
 * assign flagged), stacking or highest-only, kept or taken away below the tier; "sync roles" with
 * its progress; the personal invite links' channel and defaults.
 */
import { fail } from '@sveltejs/kit';
import { recordAudit } from '$db/queries/audit';
import { lockGuild } from '$db/queries/guilds';
import {
  failedRoleChanges,
  getRewardTiers,
  latestRoleSync,
  roleSyncDelivery,
  setRewardTiers,
  startRoleSync,
} from '$db/queries/reward-roles';
import { getGuildSettings, updateGuildSettings } from '$db/queries/settings';
import { getConfig } from '$lib/server/config';
import { getBotApi, LOG_CHANNEL_TYPES } from '$lib/server/discord/bot-api';
import { managedGuild, requireBotPresent } from '$lib/server/guilds/guard';
import { log } from '$lib/server/log';
import {
  LINK_MAX_AGES,
  readRewardsForm,
  rewardsValuesFrom,
  validateRewards,
} from '$lib/server/rewards/form';
import type { ChannelOption, RoleOption } from '$lib/server/settings/form';
import { roleOptionsFrom } from '$lib/server/settings/roles';
import type { Actions, PageServerLoad } from './$types';

async function roleOptions(guildId: string): Promise<RoleOption[] | null> {
  try {
    const bot = getBotApi(getConfig());
    const [roles, member] = await Promise.all([bot.roles(guildId), bot.botMember(guildId)]);
    return roleOptionsFrom(guildId, roles, member.roles);
  } catch (error) {
    log.warn({ err: error, guildId }, 'role list not available');
    return null;
  }
}

async function channelOptions(guildId: string): Promise<ChannelOption[] | null> {
  try {
    const channels = await getBotApi(getConfig()).channels(guildId);
    return channels
      .filter((c) => LOG_CHANNEL_TYPES.includes(c.type))
      .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name))
      .map((c) => ({ id: c.id, name: c.name, type: c.type }));
  } catch (error) {
    log.warn({ err: error, guildId }, 'channel list not available');
    return null;
  }
}

export const load: PageServerLoad = async ({ locals }) => {
  const guildId = managedGuild(locals).id;
  const db = locals.db;
  const [tiers, settings, roles, channels, job, failed] = await Promise.all([
    getRewardTiers(db, guildId),
    getGuildSettings(db, guildId),
    roleOptions(guildId),
    channelOptions(guildId),
    latestRoleSync(db, guildId),
    failedRoleChanges(db, guildId),
  ]);
  const delivery = job ? await roleSyncDelivery(db, job.id) : null;
  return {
    values: rewardsValuesFrom(tiers, settings),
    roles,
    channels,
    maxAges: LINK_MAX_AGES,
    sync: job
      ? {
          status: job.status,
          total: job.total,
          done: job.done,
          queued: job.queued,
          delivery,
          startedAt: job.createdAt.toISOString(),
          finishedAt: job.finishedAt?.toISOString() ?? null,
        }
      : null,
    failed: {
      count: failed.count,
      latest: failed.latest.map((f) => ({ ...f, at: f.at.toISOString() })),
    },
  };
};

export const actions: Actions = {
  save: async ({ locals, request }) => {
    const { id: guildId, user } = managedGuild(locals);
    const db = locals.db;
    await requireBotPresent(db, locals.locale, guildId);
    const values = readRewardsForm(await request.formData());
    const [roles, channels] = await Promise.all([
      values.tiers.length > 0 ? roleOptions(guildId) : Promise.resolve([]),
      values.personalLinkChannelId !== '' ? channelOptions(guildId) : Promise.resolve([]),
    ]);
    const result = validateRewards(values, { roles, channels });
    if (!result.ok) {
      log.info(
        { guildId, userId: user.id, fields: Object.keys(result.errors) },
        'rewards not saved: invalid input',
      );
      return fail(400, { values, errors: result.errors });
    }
    await db.transaction(async (tx) => {
      const [before, current] = await Promise.all([
        getRewardTiers(tx, guildId),
        getGuildSettings(tx, guildId),
      ]);
      await setRewardTiers(tx, guildId, result.tiers);
      await updateGuildSettings(tx, guildId, result.patch, user.id);
      const changed = Object.fromEntries(
        Object.entries(result.patch)
          .filter(([k, v]) => current[k as keyof typeof current] !== v)
          .map(([k, v]) => [k, { from: current[k as keyof typeof current], to: v }]),
      );
      const tiersChanged = JSON.stringify(before) !== JSON.stringify(result.tiers);
      if (tiersChanged || Object.keys(changed).length > 0) {
        await recordAudit(tx, {
          guildId,
          actorId: user.id,
          action: 'tiers.update',
          details: {
            ...changed,
            ...(tiersChanged ? { tiers: { from: before, to: result.tiers } } : {}),
          },
        });
      }
    });
    log.info({ guildId, userId: user.id, tiers: result.tiers.length }, 'rewards saved');
    return { saved: true };
  },

  /** Starts "sync roles": the gateway re-applies the tiers to every inviter, page by page. */
  sync: async ({ locals }) => {
    const { id: guildId, user } = managedGuild(locals);
    const db = locals.db;
    await requireBotPresent(db, locals.locale, guildId);
    const started = await db.transaction(async (tx) => {
      await lockGuild(tx, guildId);
      const { job, started } = await startRoleSync(tx, guildId, user.id);
      if (started) {
        await recordAudit(tx, {
          guildId,
          actorId: user.id,
          action: 'roles.sync',
          details: { job: job.id, inviters: job.total },
        });
      }
      return started;
    });
    log.info({ guildId, userId: user.id, started }, 'role sync requested');
    return { syncStarted: started };
  },
};
