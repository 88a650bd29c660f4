import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../db/queries/settings';
import { DEFAULT_TEMPLATES } from '../../db/shared/templates';
import {
  formValuesFrom,
  readSettingsForm,
  settingsDiff,
  validateSettings,
  type SettingsFormValues,
} from '../../dashboard/src/lib/server/settings/form';
import { roleOptionsFrom } from '../../dashboard/src/lib/server/settings/roles';

const GUILD = '100000000000000001';
const TEXT = '200000000000000001';
const NEWS = '200000000000000002';
const FOREIGN = '900000000000000001';
const channels = [
  { id: TEXT, name: 'invite-log', type: 0 },
  { id: NEWS, name: 'news', type: 5 },
];
const current = defaultSettings(GUILD);

function values(overrides: Partial<SettingsFormValues> = {}): SettingsFormValues {
  return { ...formValuesFrom(current), ...overrides };
}

describe('settings form', () => {
  it('reads the posted fields', () => {
    const form = new FormData();
    form.set('logChannelId', ` ${TEXT} `);
    form.set('dmInviter', 'on');
    form.set('xpPerInvite', '75');
    form.set('locale', 'en');
    form.set('logTemplate', 'a\r\nb');
    form.set('reset_dm', 'on');
    const read = readSettingsForm(form);
    expect(read).toMatchObject({
      logChannelId: TEXT,
      dmInviter: true,
      xpPerInvite: '75',
      locale: 'en',
      logTemplate: 'a\nb',
      dmTemplate: '',
      reset: { log: false, logUndecided: false, dm: true },
    });
  });

  it('accepts valid input and keeps unedited default templates as defaults (null)', () => {
    const result = validateSettings(
      values({
        logChannelId: TEXT,
        dmInviter: true,
        xpPerInvite: '75',
        locale: 'en',
        logTemplate: '{member} via {code}',
      }),
      { channels, current },
    );
    expect(result).toEqual({
      ok: true,
      patch: {
        logChannelId: TEXT,
        dmInviter: true,
        xpPerInvite: 75,
        locale: 'en',
        logTemplate: '{member} via {code}',
        logTemplateUndecided: null,
        dmTemplate: null,
        fakeLogTemplate: null,
        leaveTemplate: null,
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
      },
    });
  });

  it('turns the log off with an empty channel and resets templates on request', () => {
    const result = validateSettings(
      values({
        logChannelId: '',
        logTemplate: '',
        reset: { log: true, logUndecided: false, dm: false, logFake: false, leave: false },
      }),
      { channels, current },
    );
    expect(result.ok && result.patch.logChannelId).toBeNull();
    expect(result.ok && result.patch.logTemplate).toBeNull();
  });

  it('rejects a channel id from another server (forged) and non-ids', () => {
    const forged = validateSettings(values({ logChannelId: FOREIGN }), { channels, current });
    expect(forged).toEqual({
      ok: false,
      errors: { logChannelId: { key: 'settings.error.channelNotInGuild' } },
    });
    const junk = validateSettings(values({ logChannelId: '<script>' }), { channels, current });
    expect(junk.ok).toBe(false);
    expect(!junk.ok && junk.errors.logChannelId?.key).toBe('settings.error.channelInvalid');
  });

  it('without a channel list accepts only "off" or the channel already stored', () => {
    const stored = { ...current, logChannelId: TEXT };
    expect(
      validateSettings(values({ logChannelId: TEXT }), { channels: null, current: stored }).ok,
    ).toBe(true);
    expect(
      validateSettings(values({ logChannelId: '' }), { channels: null, current: stored }).ok,
    ).toBe(true);
    const other = validateSettings(values({ logChannelId: NEWS }), {
      channels: null,
      current: stored,
    });
    expect(!other.ok && other.errors.logChannelId?.key).toBe('settings.error.channelsUnavailable');
  });

  it('checks XP: whole numbers from 0 to 100000', () => {
    for (const bad of ['', '-1', '1.5', 'abc', '1e3']) {
      const r = validateSettings(values({ xpPerInvite: bad }), { channels, current });
      expect(r.ok, bad).toBe(false);
      expect(!r.ok && r.errors.xpPerInvite?.key).toBe('settings.error.xpNumber');
    }
    const big = validateSettings(values({ xpPerInvite: '100001' }), { channels, current });
    expect(!big.ok && big.errors.xpPerInvite?.key).toBe('settings.error.xpRange');
    expect(validateSettings(values({ xpPerInvite: '0' }), { channels, current }).ok).toBe(true);
  });

  it('checks templates: not empty, not too long, only known placeholders; reports every field', () => {
    const r = validateSettings(
      values({
        logTemplate: '   ',
        logTemplateUndecided: 'x'.repeat(1001),
        dmTemplate: 'Hi {member} {reason} {foo}',
        locale: 'fr',
      }),
      { channels, current },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.logTemplate?.key).toBe('settings.error.templateEmpty');
    expect(r.errors.logTemplateUndecided).toEqual({
      key: 'settings.error.templateTooLong',
      params: { max: 1000, length: 1001 },
    });
    expect(r.errors.dmTemplate).toEqual({
      key: 'settings.error.templateUnknown',
      params: { names: '{reason}, {foo}' },
    });
    expect(r.errors.locale?.key).toBe('settings.error.locale');
  });

  it('describes what changed for the audit trail', () => {
    const patch = {
      logChannelId: TEXT,
      dmInviter: false,
      xpPerInvite: 80,
      locale: 'de' as const,
      logTemplate: 'custom {member}',
      logTemplateUndecided: null,
      dmTemplate: null,
    };
    expect(settingsDiff(current, patch)).toEqual({
      logChannelId: { from: null, to: TEXT },
      xpPerInvite: { from: 50, to: 80 },
      logTemplate: { from: 'default', to: 'custom' },
    });
    expect(DEFAULT_TEMPLATES.de.log).not.toBe('custom {member}');
  });

  describe('fair play', () => {
    const VERIFIED = '600000000000000001';
    const MODS = '600000000000000002';
    const BOT_ROLE = '600000000000000003';
    // Positions: Verified 1, bot 2, Mods 3: Mods is above the bot's highest role.
    const roles = roleOptionsFrom(
      GUILD,
      [
        { id: GUILD, name: '@everyone', position: 0 },
        { id: VERIFIED, name: 'Verified', position: 1 },
        { id: BOT_ROLE, name: 'Invite Tracker', position: 2 },
        { id: MODS, name: 'Mods', position: 3 },
      ],
      [BOT_ROLE],
    );

    it('stores the switches, days, mode and a role below the bot', () => {
      const result = validateSettings(
        values({
          fakeAccountAge: true,
          fakeMinAccountAgeDays: '14',
          fakeNoAvatar: true,
          fakeMode: 'all',
          minStayDays: '3',
          requiredRoleId: VERIFIED,
          leaveMessage: true,
          xpTakeBackDays: '7',
        }),
        { channels, roles, current },
      );
      expect(result.ok && result.patch).toMatchObject({
        fakeAccountAge: true,
        fakeMinAccountAgeDays: 14,
        fakeNoAvatar: true,
        fakeMode: 'all',
        minStayDays: 3,
        requiredRoleId: VERIFIED,
        leaveMessage: true,
        xpTakeBackDays: 7,
      });
    });

    it('rejects a role above the bot, one it cannot see, @everyone and non-ids: nothing saved', () => {
      const errorFor = (requiredRoleId: string, list: typeof roles | null = roles) => {
        const result = validateSettings(values({ requiredRoleId }), {
          channels,
          roles: list,
          current,
        });
        expect(result.ok).toBe(false);
        return !result.ok && result.errors.requiredRoleId;
      };
      expect(errorFor(MODS)).toEqual({
        key: 'settings.error.roleAboveBot',
        params: { role: 'Mods' },
      });
      expect(errorFor(BOT_ROLE)).toMatchObject({ key: 'settings.error.roleAboveBot' });
      expect(errorFor(FOREIGN)).toEqual({ key: 'settings.error.roleNotFound' });
      expect(errorFor(GUILD)).toEqual({ key: 'settings.error.roleEveryone' });
      expect(errorFor('verified')).toEqual({ key: 'settings.error.roleInvalid' });
      // Discord not reachable: a new role cannot be checked, the stored one stays allowed.
      expect(errorFor(VERIFIED, null)).toEqual({ key: 'settings.error.rolesUnavailable' });
      const kept = validateSettings(values({ requiredRoleId: VERIFIED }), {
        channels,
        roles: null,
        current: { ...current, requiredRoleId: VERIFIED },
      });
      expect(kept.ok && kept.patch.requiredRoleId).toBe(VERIFIED);
    });

    it('accepts exactly the days in range (any input, fast-check)', () => {
      const fields = [
        ['minStayDays', 0, 30],
        ['xpTakeBackDays', 0, 30],
        ['fakeMinAccountAgeDays', 1, 365],
      ] as const;
      fc.assert(
        fc.property(
          fc.constantFrom(...fields),
          fc.oneof(fc.integer({ min: -50, max: 500 }).map(String), fc.string({ maxLength: 5 })),
          ([name, min, max], input) => {
            const result = validateSettings(values({ [name]: input }), { channels, current });
            const valid = /^\d{1,3}$/.test(input) && Number(input) >= min && Number(input) <= max;
            expect(result.ok).toBe(valid);
            if (result.ok) expect(result.patch[name]).toBe(Number(input));
            else
              expect(result.errors[name]).toEqual({
                key: 'settings.error.daysRange',
                params: { min, max },
              });
          },
        ),
        { numRuns: 500 },
      );
    });

    it('rejects an unknown fake mode', () => {
      const result = validateSettings(values({ fakeMode: 'some' }), { channels, current });
      expect(!result.ok && result.errors.fakeMode).toEqual({ key: 'settings.error.fakeMode' });
    });
  });
});
