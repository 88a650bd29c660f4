/**
 * Invite System → Basiseinstellungen: log channel, inviter DMs, XP per invite, fair play (fake
 * flags, minimum stay, required role, leave message, XP take-back), templates, language.
 */
import { fail } from '@sveltejs/kit';
import { lastAuditAt, recordAudit } from '$db/queries/audit';
import { getGuild, lockGuild } from '$db/queries/guilds';
import { enqueueMessage } from '$db/queries/outbox';
import {
  getGuildSettings,
  MAX_ACCOUNT_AGE_DAYS,
  MAX_MIN_STAY_DAYS,
  MAX_TAKE_BACK_DAYS,
  MAX_XP_PER_INVITE,
  updateGuildSettings,
} from '$db/queries/settings';
import {
  DEFAULT_TEMPLATES,
  MAX_TEMPLATE_LENGTH,
  TEMPLATE_PLACEHOLDERS,
} from '$db/shared/templates';
import { getConfig } from '$lib/server/config';
import { getBotApi, LOG_CHANNEL_TYPES } from '$lib/server/discord/bot-api';
import { managedGuild, requireBotPresent } from '$lib/server/guilds/guard';
import { log } from '$lib/server/log';
import {
  formValuesFrom,
  readSettingsForm,
  settingsDiff,
  validateSettings,
  type ChannelOption,
  type RoleOption,
} from '$lib/server/settings/form';
import { roleOptionsFrom } from '$lib/server/settings/roles';
import { testMessageBody, testMessageWait } from '$lib/server/settings/test-message';
import type { Actions, PageServerLoad } from './$types';

/** The guild's text and announcement channels from Discord, or null when Discord cannot be asked. */
async function logChannelOptions(guildId: string): Promise<ChannelOption[] | null> {
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

/** The guild's roles as the bot sees them (for the required role), or null when Discord cannot be asked. */
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

export const load: PageServerLoad = async ({ locals }) => {
  const guildId = managedGuild(locals).id;
  const [settings, channels, roles] = await Promise.all([
    getGuildSettings(locals.db, guildId),
    logChannelOptions(guildId),
    roleOptions(guildId),
  ]);
  return {
    roles,
    maxAccountAgeDays: MAX_ACCOUNT_AGE_DAYS,
    maxMinStayDays: MAX_MIN_STAY_DAYS,
    maxTakeBackDays: MAX_TAKE_BACK_DAYS,
    values: formValuesFrom(settings),
    customTemplates: settings.customTemplates,
    updatedAt: settings.updatedAt?.toISOString() ?? null,
    channels,
    placeholders: TEMPLATE_PLACEHOLDERS,
    defaults: DEFAULT_TEMPLATES,
    maxTemplateLength: MAX_TEMPLATE_LENGTH,
    maxXp: MAX_XP_PER_INVITE,
  };
};

export const actions: Actions = {
  save: async ({ locals, request }) => {
    const { id: guildId, user } = managedGuild(locals);
    const db = locals.db;
    await requireBotPresent(db, locals.locale, guildId);
    const values = readSettingsForm(await request.formData());
    const [current, channels, roles] = await Promise.all([
      getGuildSettings(db, guildId),
      logChannelOptions(guildId),
      values.requiredRoleId === '' ? Promise.resolve(null) : roleOptions(guildId),
    ]);
    const result = validateSettings(values, { channels, roles, current });
    if (!result.ok) {
      log.info(
        { guildId, userId: user.id, fields: Object.keys(result.errors) },
        'settings not saved: invalid input',
      );
      return fail(400, { values, errors: result.errors });
    }
    const diff = settingsDiff(current, result.patch);
    await db.transaction(async (tx) => {
      await updateGuildSettings(tx, guildId, result.patch, user.id);
      if (Object.keys(diff).length > 0) {
        await recordAudit(tx, {
          guildId,
          actorId: user.id,
          action: 'settings.update',
          details: diff,
        });
      }
    });
    log.info({ guildId, userId: user.id, changed: Object.keys(diff) }, 'settings saved');
    return { saved: true, changed: Object.keys(diff) };
  },

  /** Queues a sample log line in the outbox (saved settings, bot language); once a minute per guild. */
  test: async ({ locals }) => {
    const { id: guildId, user } = managedGuild(locals);
    const db = locals.db;
    await requireBotPresent(db, locals.locale, guildId);
    const outcome = await db.transaction(async (tx) => {
      await lockGuild(tx, guildId);
      const [settings, guild, last] = await Promise.all([
        getGuildSettings(tx, guildId),
        getGuild(tx, guildId),
        lastAuditAt(tx, guildId, 'settings.test'),
      ]);
      const body = testMessageBody({ settings, guildName: guild?.name ?? '', adminId: user.id });
      if (!body || !settings.logChannelId) return { error: 'noChannel' as const };
      const wait = testMessageWait(last, Date.now());
      if (wait > 0) return { error: 'tooSoon' as const, wait };
      await enqueueMessage(tx, {
        guildId,
        joinId: null,
        kind: 'log',
        targetId: settings.logChannelId,
        body,
      });
      await recordAudit(tx, {
        guildId,
        actorId: user.id,
        action: 'settings.test',
        details: { channelId: settings.logChannelId },
      });
      return { channelId: settings.logChannelId };
    });
    if ('error' in outcome) {
      log.info({ guildId, userId: user.id, problem: outcome.error }, 'test message refused');
      return outcome.error === 'tooSoon'
        ? fail(429, { testError: 'settings.test.tooSoon' as const, seconds: outcome.wait })
        : fail(400, { testError: 'settings.test.noChannel' as const, seconds: 0 });
    }
    log.info({ guildId, userId: user.id, channelId: outcome.channelId }, 'test message queued');
    const channels = await logChannelOptions(guildId);
    const channel = channels?.find((c) => c.id === outcome.channelId)?.name ?? outcome.channelId;
    return { testSent: true, channel };
  },
};
