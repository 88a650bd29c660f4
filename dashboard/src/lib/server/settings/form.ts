/**
 * The "Basiseinstellungen" form (pure): reading the posted fields, validating them (with the
 * guild's channel list for the log channel and its role list for the required role), and turning
 * them into a settings patch. Errors are message keys with parameters, so the page shows them in
 * the user's language next to the field; with any error nothing is saved.
 */
import { FAKE_MODES, LOCALES, type FakeMode, type Locale } from '$db/schema';
import {
  settingsPatchSchema,
  MAX_ACCOUNT_AGE_DAYS,
  MAX_MIN_STAY_DAYS,
  MAX_TAKE_BACK_DAYS,
  MAX_XP_PER_INVITE,
  type GuildSettings,
  type SettingsPatch,
} from '$db/queries/settings';
import {
  DEFAULT_TEMPLATES,
  MAX_TEMPLATE_LENGTH,
  unknownPlaceholders,
  type TemplateKind,
} from '$db/shared/templates';
import type { MessageKey } from '$lib/i18n';

export const TEMPLATE_FIELDS = {
  log: 'logTemplate',
  logUndecided: 'logTemplateUndecided',
  dm: 'dmTemplate',
  logFake: 'fakeLogTemplate',
  leave: 'leaveTemplate',
} as const satisfies Record<TemplateKind, keyof SettingsPatch>;

export type SettingsField =
  | 'logChannelId'
  | 'dmInviter'
  | 'xpPerInvite'
  | 'locale'
  | 'logTemplate'
  | 'logTemplateUndecided'
  | 'dmTemplate'
  | 'fakeLogTemplate'
  | 'leaveTemplate'
  | 'fakeMinAccountAgeDays'
  | 'fakeMode'
  | 'minStayDays'
  | 'requiredRoleId'
  | 'xpTakeBackDays';

/** The fair-play switches (checkboxes). */
const FAIR_PLAY_SWITCHES = [
  'fakeAccountAge',
  'fakeNoAvatar',
  'fakeRejoin',
  'fakeSelfInvite',
  'leaveMessage',
] as const;
type FairPlaySwitch = (typeof FAIR_PLAY_SWITCHES)[number];

export type FieldError = { key: MessageKey; params?: Record<string, string | number> };
export type FieldErrors = Partial<Record<SettingsField, FieldError>>;

/** What the form posted, as text (re-shown unchanged when invalid). */
export type SettingsFormValues = {
  logChannelId: string;
  dmInviter: boolean;
  xpPerInvite: string;
  locale: string;
  logTemplate: string;
  logTemplateUndecided: string;
  dmTemplate: string;
  fakeLogTemplate: string;
  leaveTemplate: string;
  reset: Record<TemplateKind, boolean>;
  fakeAccountAge: boolean;
  fakeMinAccountAgeDays: string;
  fakeNoAvatar: boolean;
  fakeRejoin: boolean;
  fakeSelfInvite: boolean;
  fakeMode: string;
  minStayDays: string;
  requiredRoleId: string;
  leaveMessage: boolean;
  xpTakeBackDays: string;
};

const str = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};

const checked = (form: FormData, name: string) =>
  form.get(name) === 'on' || form.get(name) === 'true';

export function readSettingsForm(form: FormData): SettingsFormValues {
  return {
    fakeAccountAge: checked(form, 'fakeAccountAge'),
    fakeMinAccountAgeDays: str(form, 'fakeMinAccountAgeDays').trim(),
    fakeNoAvatar: checked(form, 'fakeNoAvatar'),
    fakeRejoin: checked(form, 'fakeRejoin'),
    fakeSelfInvite: checked(form, 'fakeSelfInvite'),
    fakeMode: str(form, 'fakeMode'),
    minStayDays: str(form, 'minStayDays').trim(),
    requiredRoleId: str(form, 'requiredRoleId').trim(),
    leaveMessage: checked(form, 'leaveMessage'),
    xpTakeBackDays: str(form, 'xpTakeBackDays').trim(),
    logChannelId: str(form, 'logChannelId').trim(),
    dmInviter: form.get('dmInviter') === 'on' || form.get('dmInviter') === 'true',
    xpPerInvite: str(form, 'xpPerInvite').trim(),
    locale: str(form, 'locale'),
    logTemplate: str(form, 'logTemplate').replace(/\r\n/g, '\n'),
    logTemplateUndecided: str(form, 'logTemplateUndecided').replace(/\r\n/g, '\n'),
    dmTemplate: str(form, 'dmTemplate').replace(/\r\n/g, '\n'),
    fakeLogTemplate: str(form, 'fakeLogTemplate').replace(/\r\n/g, '\n'),
    leaveTemplate: str(form, 'leaveTemplate').replace(/\r\n/g, '\n'),
    reset: {
      log: form.get('reset_log') === 'on',
      logUndecided: form.get('reset_logUndecided') === 'on',
      dm: form.get('reset_dm') === 'on',
      logFake: form.get('reset_logFake') === 'on',
      leave: form.get('reset_leave') === 'on',
    },
  };
}

/** The form's initial values from stored settings. */
export function formValuesFrom(settings: GuildSettings): SettingsFormValues {
  return {
    fakeAccountAge: settings.fakeAccountAge,
    fakeMinAccountAgeDays: String(settings.fakeMinAccountAgeDays),
    fakeNoAvatar: settings.fakeNoAvatar,
    fakeRejoin: settings.fakeRejoin,
    fakeSelfInvite: settings.fakeSelfInvite,
    fakeMode: settings.fakeMode,
    minStayDays: String(settings.minStayDays),
    requiredRoleId: settings.requiredRoleId ?? '',
    leaveMessage: settings.leaveMessage,
    xpTakeBackDays: String(settings.xpTakeBackDays),
    logChannelId: settings.logChannelId ?? '',
    dmInviter: settings.dmInviter,
    xpPerInvite: String(settings.xpPerInvite),
    locale: settings.locale,
    logTemplate: settings.templates.log,
    logTemplateUndecided: settings.templates.logUndecided,
    dmTemplate: settings.templates.dm,
    fakeLogTemplate: settings.templates.logFake,
    leaveTemplate: settings.templates.leave,
    reset: { log: false, logUndecided: false, dm: false, logFake: false, leave: false },
  };
}

export type ChannelOption = { id: string; name: string; type: number };

/** A role of the guild as the bot sees it; `belowBot`: under the bot's highest role. */
export type RoleOption = {
  id: string;
  name: string;
  belowBot: boolean;
  /** Discord's role colour (0: none) and whether an integration manages it (nobody can assign it). */
  color?: number;
  managed?: boolean;
};

export type ValidationResult =
  { ok: true; patch: SettingsPatch } | { ok: false; errors: FieldErrors };

/** A whole number of days in [min, max], or the error to show. */
function days(value: string, min: number, max: number): number | FieldError {
  if (!/^\d{1,3}$/.test(value) || Number(value) < min || Number(value) > max) {
    return { key: 'settings.error.daysRange', params: { min, max } };
  }
  return Number(value);
}

/**
 * The required role: none, or a role of this guild that the bot sees (it is in the bot's role
 * list), that is not @everyone, and that sits below the bot's highest role. Without a role list
 * (Discord not reachable) only "none" or the role already stored is accepted.
 */
function requiredRole(
  value: string,
  context: { roles: readonly RoleOption[] | null; current: GuildSettings },
): string | null | FieldError {
  if (value === '') return null;
  if (!/^\d{17,20}$/.test(value)) return { key: 'settings.error.roleInvalid' };
  if (value === context.current.guildId) return { key: 'settings.error.roleEveryone' };
  if (context.roles === null) {
    return value === context.current.requiredRoleId
      ? value
      : { key: 'settings.error.rolesUnavailable' };
  }
  const role = context.roles.find((r) => r.id === value);
  if (!role) return { key: 'settings.error.roleNotFound' };
  if (!role.belowBot) return { key: 'settings.error.roleAboveBot', params: { role: role.name } };
  return value;
}

const isError = (v: unknown): v is FieldError => typeof v === 'object' && v !== null && 'key' in v;

/** Fair play: the switches, the days (in range), ANY/ALL, the required role. */
function validateFairPlay(
  values: SettingsFormValues,
  context: { roles: readonly RoleOption[] | null; current: GuildSettings },
  errors: FieldErrors,
  patch: SettingsPatch,
): void {
  for (const name of FAIR_PLAY_SWITCHES) patch[name as FairPlaySwitch] = values[name];
  const ranges = [
    ['fakeMinAccountAgeDays', 1, MAX_ACCOUNT_AGE_DAYS],
    ['minStayDays', 0, MAX_MIN_STAY_DAYS],
    ['xpTakeBackDays', 0, MAX_TAKE_BACK_DAYS],
  ] as const;
  for (const [name, min, max] of ranges) {
    const result = days(values[name], min, max);
    if (isError(result)) errors[name] = result;
    else patch[name] = result;
  }
  if (FAKE_MODES.includes(values.fakeMode as FakeMode))
    patch.fakeMode = values.fakeMode as FakeMode;
  else errors.fakeMode = { key: 'settings.error.fakeMode' };
  const role = requiredRole(values.requiredRoleId, context);
  if (isError(role)) errors.requiredRoleId = role;
  else patch.requiredRoleId = role;
}

/**
 * Validates every field. `channels` are the guild's log-channel candidates from Discord (text and
 * announcement channels); null when Discord could not be asked, in which case only "no channel" or
 * the channel already stored is accepted. `roles` likewise for the required role.
 */
export function validateSettings(
  values: SettingsFormValues,
  context: {
    channels: readonly ChannelOption[] | null;
    roles?: readonly RoleOption[] | null;
    current: GuildSettings;
  },
): ValidationResult {
  const errors: FieldErrors = {};
  const patch: SettingsPatch = {};

  // Log channel: empty = invite log off; otherwise one of this guild's text channels.
  if (values.logChannelId === '') patch.logChannelId = null;
  else if (!/^\d{17,20}$/.test(values.logChannelId)) {
    errors.logChannelId = { key: 'settings.error.channelInvalid' };
  } else if (context.channels === null) {
    if (values.logChannelId === context.current.logChannelId) {
      patch.logChannelId = values.logChannelId;
    } else errors.logChannelId = { key: 'settings.error.channelsUnavailable' };
  } else if (!context.channels.some((c) => c.id === values.logChannelId)) {
    errors.logChannelId = { key: 'settings.error.channelNotInGuild' };
  } else patch.logChannelId = values.logChannelId;

  patch.dmInviter = values.dmInviter;

  if (!/^\d{1,6}$/.test(values.xpPerInvite)) {
    errors.xpPerInvite = { key: 'settings.error.xpNumber', params: { max: MAX_XP_PER_INVITE } };
  } else {
    const xp = Number(values.xpPerInvite);
    if (xp > MAX_XP_PER_INVITE) {
      errors.xpPerInvite = { key: 'settings.error.xpRange', params: { max: MAX_XP_PER_INVITE } };
    } else patch.xpPerInvite = xp;
  }

  // In the order of the page, so the error summary lists the fields as they are shown.
  validateFairPlay(
    values,
    { roles: context.roles ?? null, current: context.current },
    errors,
    patch,
  );

  const locale = LOCALES.includes(values.locale as Locale) ? (values.locale as Locale) : null;
  if (locale === null) errors.locale = { key: 'settings.error.locale' };
  else patch.locale = locale;

  for (const kind of Object.keys(TEMPLATE_FIELDS) as TemplateKind[]) {
    const field = TEMPLATE_FIELDS[kind];
    if (values.reset[kind]) {
      patch[field] = null;
      continue;
    }
    const text = values[field].trim();
    if (text === '') errors[field] = { key: 'settings.error.templateEmpty' };
    else if (text.length > MAX_TEMPLATE_LENGTH) {
      errors[field] = {
        key: 'settings.error.templateTooLong',
        params: { max: MAX_TEMPLATE_LENGTH, length: text.length },
      };
    } else {
      const unknown = unknownPlaceholders(kind, text);
      if (unknown.length > 0) {
        errors[field] = {
          key: 'settings.error.templateUnknown',
          params: { names: unknown.map((n) => `{${n}}`).join(', ') },
        };
      } else {
        // An unedited default stays "default" (null), so it follows the language.
        const isDefault = LOCALES.some((l) => DEFAULT_TEMPLATES[l][kind] === text);
        patch[field] = isDefault ? null : text;
      }
    }
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const parsed = settingsPatchSchema.safeParse(patch);
  if (!parsed.success)
    return { ok: false, errors: { xpPerInvite: { key: 'settings.error.generic' } } };
  return { ok: true, patch: parsed.data };
}

const SCALARS = [
  'logChannelId',
  'dmInviter',
  'xpPerInvite',
  'locale',
  ...FAIR_PLAY_SWITCHES,
  'fakeMinAccountAgeDays',
  'fakeMode',
  'minStayDays',
  'requiredRoleId',
  'xpTakeBackDays',
] as const;

/** What changed, for the audit trail (templates only say whether they are custom now). */
export function settingsDiff(
  current: GuildSettings,
  patch: SettingsPatch,
): Record<string, { from: unknown; to: unknown }> {
  const diff: Record<string, { from: unknown; to: unknown }> = {};
  const scalar = (name: (typeof SCALARS)[number]) => {
    if (patch[name] !== undefined && patch[name] !== current[name]) {
      diff[name] = { from: current[name], to: patch[name] };
    }
  };
  for (const name of SCALARS) scalar(name);
  for (const kind of Object.keys(TEMPLATE_FIELDS) as TemplateKind[]) {
    const next = patch[TEMPLATE_FIELDS[kind]];
    if (next === undefined) continue;
    const wasCustom = current.customTemplates[kind];
    const changed = next === null ? wasCustom : next !== current.templates[kind] || !wasCustom;
    if (changed) {
      diff[TEMPLATE_FIELDS[kind]] = {
        from: wasCustom ? 'custom' : 'default',
        to: next === null ? 'default' : 'custom',
      };
    }
  }
  return diff;
}
