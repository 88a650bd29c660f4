/**
 * The rewards page's form (pure): reward role tiers, how they combine, and the personal invite
 * links' channel and defaults. Reads the posted fields and validates them against the roles and
 * channels the bot sees; every problem is an inline error and nothing is saved.
 */
import {
  MAX_LINK_MAX_AGE,
  MAX_LINK_MAX_USES,
  type CompetitionSettings,
  type SettingsPatch,
} from '$db/queries/settings';
import { MAX_TIERS } from '$db/queries/reward-roles';
import type { RewardTier } from '$db/shared/reward-roles';
import type { ChannelOption, RoleOption } from '../settings/form';

/** The max-age choices Discord's own invite dialog offers (seconds; 0 = never). */
export const LINK_MAX_AGES = [0, 1800, 3600, 21_600, 43_200, 86_400, 604_800] as const;

export type RewardsFormValues = {
  tiers: { invites: string; roleId: string }[];
  rewardRoleMode: string;
  rewardRoleRemove: boolean;
  personalLinkChannelId: string;
  personalLinkMaxAge: string;
  personalLinkMaxUses: string;
};

export type RewardsErrorKey =
  | 'rewards.error.invites'
  | 'rewards.error.role'
  | 'rewards.error.roleAbove'
  | 'rewards.error.roleManaged'
  | 'rewards.error.duplicateInvites'
  | 'rewards.error.duplicateRole'
  | 'rewards.error.tooMany'
  | 'rewards.error.rolesUnavailable'
  | 'rewards.error.mode'
  | 'rewards.error.channel'
  | 'rewards.error.channelsUnavailable'
  | 'rewards.error.maxAge'
  | 'rewards.error.maxUses';

export type RewardsError = { key: RewardsErrorKey; params?: Record<string, string | number> };
/** Errors by field: `tier.{i}`, `tiers`, `rewardRoleMode`, `personalLinkChannelId`, … */
export type RewardsErrors = Record<string, RewardsError>;

const text = (form: FormData, name: string) => {
  const v = form.get(name);
  return typeof v === 'string' ? v.trim() : '';
};

export function readRewardsForm(form: FormData): RewardsFormValues {
  const invites = form.getAll('tierInvites').map((v) => (typeof v === 'string' ? v.trim() : ''));
  const roles = form.getAll('tierRole').map((v) => (typeof v === 'string' ? v.trim() : ''));
  const tiers = invites
    .map((n, i) => ({ invites: n, roleId: roles[i] ?? '' }))
    // A row left empty is no tier; half-filled rows are validated (and reported).
    .filter((t) => t.invites !== '' || t.roleId !== '');
  return {
    tiers,
    rewardRoleMode: text(form, 'rewardRoleMode'),
    rewardRoleRemove: form.get('rewardRoleRemove') === 'on',
    personalLinkChannelId: text(form, 'personalLinkChannelId'),
    personalLinkMaxAge: text(form, 'personalLinkMaxAge'),
    personalLinkMaxUses: text(form, 'personalLinkMaxUses'),
  };
}

export function rewardsValuesFrom(
  tiers: readonly RewardTier[],
  settings: CompetitionSettings,
): RewardsFormValues {
  return {
    tiers: tiers.map((t) => ({ invites: String(t.invites), roleId: t.roleId })),
    rewardRoleMode: settings.rewardRoleMode,
    rewardRoleRemove: settings.rewardRoleRemove,
    personalLinkChannelId: settings.personalLinkChannelId ?? '',
    personalLinkMaxAge: String(settings.personalLinkMaxAge),
    personalLinkMaxUses: String(settings.personalLinkMaxUses),
  };
}

export type RewardsValidation =
  { ok: true; tiers: RewardTier[]; patch: SettingsPatch } | { ok: false; errors: RewardsErrors };

/**
 * Validates against what the bot sees: `roles` null = Discord could not be asked (then tiers with
 * roles cannot be saved), likewise `channels` for the link channel.
 */
export function validateRewards(
  values: RewardsFormValues,
  context: { roles: RoleOption[] | null; channels: ChannelOption[] | null },
): RewardsValidation {
  const errors: RewardsErrors = {};
  const tiers: RewardTier[] = [];
  if (values.tiers.length > MAX_TIERS)
    errors.tiers = { key: 'rewards.error.tooMany', params: { max: MAX_TIERS } };
  const seenInvites = new Set<number>();
  const seenRoles = new Set<string>();
  values.tiers.forEach((t, i) => {
    const field = `tier.${i}`;
    const n = /^\d{1,7}$/.test(t.invites) ? Number(t.invites) : NaN;
    if (!(n >= 1 && n <= 1_000_000)) {
      errors[field] = { key: 'rewards.error.invites' };
      return;
    }
    if (context.roles === null) {
      errors[field] = { key: 'rewards.error.rolesUnavailable' };
      return;
    }
    const role = context.roles.find((r) => r.id === t.roleId);
    if (!role) errors[field] = { key: 'rewards.error.role' };
    else if (role.managed)
      errors[field] = { key: 'rewards.error.roleManaged', params: { role: role.name } };
    else if (!role.belowBot)
      errors[field] = { key: 'rewards.error.roleAbove', params: { role: role.name } };
    else if (seenInvites.has(n)) errors[field] = { key: 'rewards.error.duplicateInvites' };
    else if (seenRoles.has(role.id))
      errors[field] = { key: 'rewards.error.duplicateRole', params: { role: role.name } };
    if (errors[field]) return;
    seenInvites.add(n);
    seenRoles.add(t.roleId);
    tiers.push({ invites: n, roleId: t.roleId });
  });
  if (values.rewardRoleMode !== 'stack' && values.rewardRoleMode !== 'highest')
    errors.rewardRoleMode = { key: 'rewards.error.mode' };
  let channelId: string | null = null;
  if (values.personalLinkChannelId !== '') {
    if (context.channels === null)
      errors.personalLinkChannelId = { key: 'rewards.error.channelsUnavailable' };
    else if (!context.channels.some((c) => c.id === values.personalLinkChannelId))
      errors.personalLinkChannelId = { key: 'rewards.error.channel' };
    else channelId = values.personalLinkChannelId;
  }
  const maxAge = Number(values.personalLinkMaxAge);
  if (!(LINK_MAX_AGES as readonly number[]).includes(maxAge) || values.personalLinkMaxAge === '')
    errors.personalLinkMaxAge = { key: 'rewards.error.maxAge' };
  const maxUses = /^\d{1,3}$/.test(values.personalLinkMaxUses)
    ? Number(values.personalLinkMaxUses)
    : NaN;
  if (!(maxUses >= 0 && maxUses <= MAX_LINK_MAX_USES))
    errors.personalLinkMaxUses = {
      key: 'rewards.error.maxUses',
      params: { max: MAX_LINK_MAX_USES },
    };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    tiers: tiers.sort((a, b) => a.invites - b.invites),
    patch: {
      rewardRoleMode: values.rewardRoleMode as 'stack' | 'highest',
      rewardRoleRemove: values.rewardRoleRemove,
      personalLinkChannelId: channelId,
      personalLinkMaxAge: Math.min(maxAge, MAX_LINK_MAX_AGE),
      personalLinkMaxUses: maxUses,
    },
  };
}
