/** Guild settings: read with defaults applied, and validated partial updates (dashboard and gateway share these). */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../client';
import {
  FAKE_MODES,
  guildSettings,
  LOCALES,
  REWARD_ROLE_MODES,
  type FakeMode,
  type Locale,
  type RewardRoleMode,
} from '../schema';
import type { FakeRules, RewardRules } from '../shared/fair-play';
import {
  DEFAULT_TEMPLATES,
  MAX_TEMPLATE_LENGTH,
  type TemplateKind,
  unknownPlaceholders,
} from '../shared/templates';

export const DEFAULT_XP_PER_INVITE = 50;
export const MAX_XP_PER_INVITE = 100_000;
export const MAX_MIN_STAY_DAYS = 30;
export const MAX_TAKE_BACK_DAYS = 30;
export const MAX_ACCOUNT_AGE_DAYS = 365;

/** Fair play as stored: fake-account flags, rewards only for members who stay, leaving. */
export type FairPlaySettings = FakeRules &
  RewardRules & {
    leaveMessage: boolean;
    /** 0: XP stays when an invited member leaves (as before fair play). */
    xpTakeBackDays: number;
  };

export const DEFAULT_FAIR_PLAY: FairPlaySettings = {
  fakeAccountAge: false,
  fakeMinAccountAgeDays: 7,
  fakeNoAvatar: false,
  fakeRejoin: false,
  fakeSelfInvite: true,
  fakeMode: 'any',
  minStayDays: 0,
  requiredRoleId: null,
  leaveMessage: false,
  xpTakeBackDays: 0,
};

/** Reward roles and personal invite links (competition). */
export type CompetitionSettings = {
  rewardRoleMode: RewardRoleMode;
  rewardRoleRemove: boolean;
  personalLinkChannelId: string | null;
  /** Seconds (0: never expires; Discord allows up to 7 days). */
  personalLinkMaxAge: number;
  /** 0: unlimited; Discord allows up to 100. */
  personalLinkMaxUses: number;
};

export const DEFAULT_COMPETITION: CompetitionSettings = {
  rewardRoleMode: 'stack',
  rewardRoleRemove: false,
  personalLinkChannelId: null,
  personalLinkMaxAge: 0,
  personalLinkMaxUses: 0,
};

export const MAX_LINK_MAX_AGE = 604_800;
export const MAX_LINK_MAX_USES = 100;

export type GuildSettings = FairPlaySettings &
  CompetitionSettings & {
    guildId: string;
    logChannelId: string | null;
    dmInviter: boolean;
    xpPerInvite: number;
    locale: Locale;
    /** A season reset also starts XP from zero (false: XP is kept). */
    seasonResetsXp: boolean;
    /** Effective templates: the admin's text, or the locale's default. */
    templates: Record<TemplateKind, string>;
    /** Which templates the admin has edited (the rest follow the locale). */
    customTemplates: Record<TemplateKind, boolean>;
    updatedAt: Date | null;
    updatedBy: string | null;
  };

export function defaultSettings(guildId: string, locale: Locale = 'de'): GuildSettings {
  return {
    guildId,
    logChannelId: null,
    dmInviter: false,
    xpPerInvite: DEFAULT_XP_PER_INVITE,
    seasonResetsXp: false,
    locale,
    ...DEFAULT_FAIR_PLAY,
    ...DEFAULT_COMPETITION,
    templates: { ...DEFAULT_TEMPLATES[locale] },
    customTemplates: { log: false, logUndecided: false, dm: false, logFake: false, leave: false },
    updatedAt: null,
    updatedBy: null,
  };
}

export async function getGuildSettings(db: Db, guildId: string): Promise<GuildSettings> {
  const [row] = await db.select().from(guildSettings).where(eq(guildSettings.guildId, guildId));
  if (!row) return defaultSettings(guildId);
  const defaults = DEFAULT_TEMPLATES[row.locale];
  return {
    guildId,
    logChannelId: row.logChannelId,
    dmInviter: row.dmInviter,
    xpPerInvite: row.xpPerInvite,
    seasonResetsXp: row.seasonResetsXp,
    locale: row.locale,
    fakeAccountAge: row.fakeAccountAge,
    fakeMinAccountAgeDays: row.fakeMinAccountAgeDays,
    fakeNoAvatar: row.fakeNoAvatar,
    fakeRejoin: row.fakeRejoin,
    fakeSelfInvite: row.fakeSelfInvite,
    fakeMode: row.fakeMode,
    minStayDays: row.minStayDays,
    requiredRoleId: row.requiredRoleId,
    leaveMessage: row.leaveMessage,
    xpTakeBackDays: row.xpTakeBackDays,
    rewardRoleMode: row.rewardRoleMode,
    rewardRoleRemove: row.rewardRoleRemove,
    personalLinkChannelId: row.personalLinkChannelId,
    personalLinkMaxAge: row.personalLinkMaxAge,
    personalLinkMaxUses: row.personalLinkMaxUses,
    templates: {
      log: row.logTemplate ?? defaults.log,
      logUndecided: row.logTemplateUndecided ?? defaults.logUndecided,
      dm: row.dmTemplate ?? defaults.dm,
      logFake: row.fakeLogTemplate ?? defaults.logFake,
      leave: row.leaveTemplate ?? defaults.leave,
    },
    customTemplates: {
      log: row.logTemplate !== null,
      logUndecided: row.logTemplateUndecided !== null,
      dm: row.dmTemplate !== null,
      logFake: row.fakeLogTemplate !== null,
      leave: row.leaveTemplate !== null,
    },
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  };
}

const snowflakeSchema = z.string().regex(/^\d{17,20}$/, 'not a Discord id');

function templateSchema(kind: TemplateKind) {
  return z
    .string()
    .trim()
    .min(1, 'empty')
    .max(MAX_TEMPLATE_LENGTH, `longer than ${MAX_TEMPLATE_LENGTH} characters`)
    .refine((t) => unknownPlaceholders(kind, t).length === 0, {
      message: 'unknown placeholder',
    })
    .nullable();
}

/**
 * A partial settings update. `null` for a template means "back to the locale's default"; `null` for
 * the log channel turns the invite log off, for the required role "no role needed". Checks that
 * need Discord (the channel belongs to the guild and is a text channel; the role exists and is
 * below the bot's) are the caller's job.
 */
export const settingsPatchSchema = z
  .object({
    logChannelId: snowflakeSchema.nullable(),
    dmInviter: z.boolean(),
    xpPerInvite: z.number().int().min(0).max(MAX_XP_PER_INVITE),
    locale: z.enum(LOCALES),
    logTemplate: templateSchema('log'),
    logTemplateUndecided: templateSchema('logUndecided'),
    dmTemplate: templateSchema('dm'),
    fakeLogTemplate: templateSchema('logFake'),
    leaveTemplate: templateSchema('leave'),
    fakeAccountAge: z.boolean(),
    fakeMinAccountAgeDays: z.number().int().min(1).max(MAX_ACCOUNT_AGE_DAYS),
    fakeNoAvatar: z.boolean(),
    fakeRejoin: z.boolean(),
    fakeSelfInvite: z.boolean(),
    fakeMode: z.enum(FAKE_MODES) as z.ZodType<FakeMode>,
    minStayDays: z.number().int().min(0).max(MAX_MIN_STAY_DAYS),
    requiredRoleId: snowflakeSchema.nullable(),
    leaveMessage: z.boolean(),
    xpTakeBackDays: z.number().int().min(0).max(MAX_TAKE_BACK_DAYS),
    rewardRoleMode: z.enum(REWARD_ROLE_MODES) as z.ZodType<RewardRoleMode>,
    rewardRoleRemove: z.boolean(),
    personalLinkChannelId: snowflakeSchema.nullable(),
    personalLinkMaxAge: z.number().int().min(0).max(MAX_LINK_MAX_AGE),
    personalLinkMaxUses: z.number().int().min(0).max(MAX_LINK_MAX_USES),
    seasonResetsXp: z.boolean(),
  })
  .partial()
  .strict();

export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/** Validates and stores a partial update; returns the settings as now stored. Throws z.ZodError on invalid input. */
export async function updateGuildSettings(
  db: Db,
  guildId: string,
  patch: SettingsPatch,
  actorId: string | null,
): Promise<GuildSettings> {
  const values = settingsPatchSchema.parse(patch);
  const changes = { ...values, updatedBy: actorId, updatedAt: sql`now()` };
  await db
    .insert(guildSettings)
    .values({ guildId, ...changes })
    .onConflictDoUpdate({ target: guildSettings.guildId, set: changes });
  return getGuildSettings(db, guildId);
}
