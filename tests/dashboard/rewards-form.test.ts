/** The rewards page's form: tiers against the roles the bot sees, the personal links' channel and defaults. */
import { describe, expect, it } from 'vitest';
import { readRewardsForm, validateRewards } from '../../dashboard/src/lib/server/rewards/form';
import { roleOptionsFrom } from '../../dashboard/src/lib/server/settings/roles';

const GUILD = '100000000000000001';
const RECRUITER = '600000000000000001';
const VETERAN = '600000000000000002';
const BOT_ROLE = '600000000000000003';
const ADMINS = '600000000000000004';
const BOOSTER = '600000000000000005';
const CHANNEL = '700000000000000001';

const roles = roleOptionsFrom(
  GUILD,
  [
    { id: GUILD, name: '@everyone', position: 0 },
    { id: RECRUITER, name: 'Recruiter', position: 1, color: 0x3498db },
    { id: VETERAN, name: 'Veteran', position: 2 },
    { id: BOOSTER, name: 'Booster', position: 3, managed: true },
    { id: BOT_ROLE, name: 'Invite Tracker', position: 4, managed: true },
    { id: ADMINS, name: 'Admins', position: 5 },
  ],
  [BOT_ROLE],
);
const channels = [{ id: CHANNEL, name: 'welcome', type: 0 }];

function form(fields: [string, string][]): FormData {
  const data = new FormData();
  for (const [k, v] of fields) data.append(k, v);
  return data;
}

const defaults: [string, string][] = [
  ['rewardRoleMode', 'stack'],
  ['personalLinkMaxAge', '0'],
  ['personalLinkMaxUses', '0'],
];

describe('rewards form', () => {
  it('lists roles with colour and managed, highest first', () => {
    expect(roles.find((r) => r.id === RECRUITER)).toEqual({
      id: RECRUITER,
      name: 'Recruiter',
      belowBot: true,
      color: 0x3498db,
      managed: false,
    });
    expect(roles.map((r) => r.name)).toEqual([
      'Admins',
      'Invite Tracker',
      'Booster',
      'Veteran',
      'Recruiter',
    ]);
  });

  it('stores tiers sorted, ignores empty rows, reads the mode, removal and link settings', () => {
    const values = readRewardsForm(
      form([
        ['tierInvites', '10'],
        ['tierRole', VETERAN],
        ['tierInvites', ' 3 '],
        ['tierRole', RECRUITER],
        ['tierInvites', ''],
        ['tierRole', ''],
        ['rewardRoleMode', 'highest'],
        ['rewardRoleRemove', 'on'],
        ['personalLinkChannelId', CHANNEL],
        ['personalLinkMaxAge', '86400'],
        ['personalLinkMaxUses', '25'],
      ]),
    );
    expect(validateRewards(values, { roles, channels })).toEqual({
      ok: true,
      tiers: [
        { invites: 3, roleId: RECRUITER },
        { invites: 10, roleId: VETERAN },
      ],
      patch: {
        rewardRoleMode: 'highest',
        rewardRoleRemove: true,
        personalLinkChannelId: CHANNEL,
        personalLinkMaxAge: 86400,
        personalLinkMaxUses: 25,
      },
    });
  });

  it('refuses roles above the bot, managed roles, unknown roles, duplicates and bad numbers', () => {
    const values = readRewardsForm(
      form([
        ['tierInvites', '5'],
        ['tierRole', ADMINS],
        ['tierInvites', '6'],
        ['tierRole', BOOSTER],
        ['tierInvites', '7'],
        ['tierRole', '999999999999999999'],
        ['tierInvites', '0'],
        ['tierRole', RECRUITER],
        ['tierInvites', '8'],
        ['tierRole', VETERAN],
        ['tierInvites', '8'],
        ['tierRole', RECRUITER],
        ['tierInvites', '9'],
        ['tierRole', VETERAN],
        ['tierInvites', '1e3'],
        ['tierRole', RECRUITER],
        ['rewardRoleMode', 'everything'],
        ['personalLinkChannelId', '700000000000000999'],
        ['personalLinkMaxAge', '12345'],
        ['personalLinkMaxUses', '101'],
      ]),
    );
    const result = validateRewards(values, { roles, channels });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.fromEntries(Object.entries(result.errors).map(([k, e]) => [k, e.key]))).toEqual({
      'tier.0': 'rewards.error.roleAbove',
      'tier.1': 'rewards.error.roleManaged',
      'tier.2': 'rewards.error.role',
      'tier.3': 'rewards.error.invites',
      'tier.5': 'rewards.error.duplicateInvites',
      'tier.6': 'rewards.error.duplicateRole',
      'tier.7': 'rewards.error.invites',
      rewardRoleMode: 'rewards.error.mode',
      personalLinkChannelId: 'rewards.error.channel',
      personalLinkMaxAge: 'rewards.error.maxAge',
      personalLinkMaxUses: 'rewards.error.maxUses',
    });
    expect(result.errors['tier.0']!.params).toEqual({ role: 'Admins' });
  });

  it('cannot check roles or a channel without Discord: nothing saved, a clear error', () => {
    const values = readRewardsForm(
      form([
        ['tierInvites', '5'],
        ['tierRole', RECRUITER],
        ['personalLinkChannelId', CHANNEL],
        ...defaults,
      ]),
    );
    const result = validateRewards(values, { roles: null, channels: null });
    expect(result.ok ? null : Object.values(result.errors).map((e) => e.key)).toEqual([
      'rewards.error.rolesUnavailable',
      'rewards.error.channelsUnavailable',
    ]);
    // No tiers and links off need nothing from Discord.
    expect(
      validateRewards(readRewardsForm(form(defaults)), { roles: null, channels: null }).ok,
    ).toBe(true);
  });
});
