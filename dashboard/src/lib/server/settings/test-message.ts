/**
 * "Send a test message": the invite-log line for a sample join, rendered with the saved settings in
 * the bot's language, under a short note that it is a test. Pure; the action queues it in the outbox
 * (the gateway sends it like any log line). It pings nobody: the admin who asked for it appears as
 * the inviter's mention, but `allowed_mentions` allows no one.
 */
import type { GuildSettings } from '$db/queries/settings';
import { freeText, renderLogMessage, type MessageBody } from '$db/shared/render';
import { translate } from '$lib/i18n';

/** One test message per guild at most this often. */
export const TEST_MESSAGE_INTERVAL_MS = 60_000;

/** Seconds until the guild may send the next test message (0: now). */
export function testMessageWait(lastSentAt: Date | null, now: number): number {
  if (!lastSentAt) return 0;
  return Math.max(0, Math.ceil((lastSentAt.getTime() + TEST_MESSAGE_INTERVAL_MS - now) / 1000));
}

/** The message, or null when the guild has no log channel. */
export function testMessageBody(input: {
  settings: GuildSettings;
  guildName: string;
  adminId: string;
}): MessageBody | null {
  const { settings } = input;
  const locale = settings.locale;
  const sample = '1';
  const line = renderLogMessage({
    settings,
    guildName: input.guildName,
    memberId: sample,
    outcome: 'exact',
    reason: 'single_code',
    code: 'abc123',
    inviterId: input.adminId,
    candidates: null,
    excluded: false,
    counts: { total: 12, regular: 13, left: 2, fake: 1, bonus: 0, pending: 1 },
    xpAwarded: settings.xpPerInvite,
  });
  if (!line) return null;
  const member = `**${freeText(translate(locale, 'preview.member'))}**`;
  const content = `${translate(locale, 'testMessage.intro')}\n${line.content.replaceAll(`<@${sample}>`, member)}`;
  return { content, allowed_mentions: { parse: [], users: [] }, locale };
}
