import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../db/queries/settings';
import {
  TEST_MESSAGE_INTERVAL_MS,
  testMessageBody,
  testMessageWait,
} from '../../dashboard/src/lib/server/settings/test-message';

const ADMIN = '400000000000000009';

describe('the test message', () => {
  it('is the log line for a sample join in the bot language, pinging nobody', () => {
    const settings = { ...defaultSettings('1', 'en'), logChannelId: '77' };
    const body = testMessageBody({ settings, guildName: 'Game @everyone Night', adminId: ADMIN });
    expect(body!.content.split('\n')[0]).toContain('Test message from the dashboard');
    expect(body!.content).toContain(`was invited by <@${ADMIN}>`);
    expect(body!.content).toContain('**New member**');
    expect(body!.allowed_mentions).toEqual({ parse: [], users: [] });
    const german = testMessageBody({
      settings: { ...settings, locale: 'de', templates: defaultSettings('1', 'de').templates },
      guildName: 'G',
      adminId: ADMIN,
    });
    expect(german!.content).toContain('Testnachricht aus dem Dashboard');
    expect(german!.content).toContain('**Neues Mitglied** wurde von');
  });

  it('uses the saved template', () => {
    const settings = { ...defaultSettings('1', 'en'), logChannelId: '77' };
    settings.templates.log = 'Hello {member}, thanks {inviter} ({count})';
    const body = testMessageBody({ settings, guildName: 'G', adminId: ADMIN });
    expect(body!.content.split('\n')[1]).toBe(`Hello **New member**, thanks <@${ADMIN}> (12)`);
  });

  it('needs a log channel', () => {
    expect(
      testMessageBody({ settings: defaultSettings('1', 'de'), guildName: 'G', adminId: ADMIN }),
    ).toBeNull();
  });

  it('waits a minute between two of a guild', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(testMessageWait(null, now)).toBe(0);
    expect(testMessageWait(new Date(now - 1000), now)).toBe(TEST_MESSAGE_INTERVAL_MS / 1000 - 1);
    expect(testMessageWait(new Date(now - TEST_MESSAGE_INTERVAL_MS), now)).toBe(0);
    expect(testMessageWait(new Date(now - 59_500), now)).toBe(1);
  });
});
