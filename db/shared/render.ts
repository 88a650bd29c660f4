/**
 * Renders the invite-log line and the inviter DM for a decided join. Pure.
 *
 * Members and inviters appear as mentions, never as names, and `allowed_mentions` allows exactly
 * those users: a member called "@everyone", a template with "<@&role>" or a guild name with
 * "@here" pings nobody else.
 */
import type { InviterCounts } from '../queries/leaderboard';
import type { GuildSettings } from '../queries/settings';
import type { FakeFlag, JoinCandidate, JoinOutcome, Locale } from '../schema';
import { correctionText, FAKE_FLAG_LABELS, reasonText, UNKNOWN_INVITER } from './texts';
import { MAX_MESSAGE_LENGTH, renderTemplate } from './templates';

export type MessageBody = {
  content: string;
  allowed_mentions: { parse: []; users: string[] };
  /** Not sent: the language of texts the outbox adds when it combines lines. */
  locale?: Locale;
};

export type RenderInput = {
  settings: GuildSettings;
  guildName: string;
  memberId: string;
  outcome: Exclude<JoinOutcome, 'pending'>;
  reason: string;
  code: string | null;
  inviterId: string | null;
  candidates: JoinCandidate[] | null;
  excluded: boolean;
  /** The inviter's counters after this join ({count} is their total). */
  counts: InviterCounts | null;
  xpAwarded: number;
  /** Fake-account flags that applied; `fake` when they made the join fake. */
  fakeFlags?: readonly FakeFlag[];
  fake?: boolean;
};

/** The counter placeholders: {count} (the total), {regular}, {left}, {fake}, {bonus}. */
function countValues(counts: InviterCounts | null) {
  return {
    count: counts?.total ?? 0,
    regular: counts?.regular ?? 0,
    left: counts?.left ?? 0,
    fake: counts?.fake ?? 0,
    bonus: counts?.bonus ?? 0,
  };
}

const mention = (id: string) => `<@${id}>`;

/** Keeps Discord markdown in free text (guild names) from formatting or breaking the line. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\*_~`|>#[\]()-])/g, '\\$1');
}

/**
 * Direction overrides, embeddings, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E/F,
 * U+061C): in free text they would reorder the rest of the line ("gnp.exe" shown as "exe.png").
 * They are dropped: a name needs none (the bidi algorithm orders Arabic or Hebrew text by itself).
 * People are mentions, which Discord renders itself and which cannot be spoofed this way.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** A user-chosen name (the guild's) as free text in a message: no direction controls, no markdown. */
export function freeText(text: string): string {
  return escapeMarkdown(text.replace(BIDI_CONTROLS, ''));
}

function body(content: string, users: (string | null)[], locale: Locale): MessageBody {
  const truncated =
    content.length > MAX_MESSAGE_LENGTH ? `${content.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : content;
  const allowed = [...new Set(users.filter((u): u is string => u !== null))];
  return { content: truncated, allowed_mentions: { parse: [], users: allowed }, locale };
}

/** The invite-log line, or null when there is no log channel or the code is excluded. */
export function renderLogMessage(input: RenderInput): MessageBody | null {
  const { settings } = input;
  if (settings.logChannelId === null || input.excluded) return null;
  const values = {
    member: mention(input.memberId),
    guild: freeText(input.guildName),
    code: input.code ?? '',
    xp: input.xpAwarded,
  };
  if (input.outcome === 'exact' && input.inviterId !== null) {
    const flags = (input.fakeFlags ?? []).map((f) => FAKE_FLAG_LABELS[settings.locale][f]);
    const content = renderTemplate(
      input.fake ? settings.templates.logFake : settings.templates.log,
      {
        ...values,
        ...countValues(input.counts),
        inviter: mention(input.inviterId),
        flags: flags.join(', '),
      },
    );
    return body(content, [input.memberId, input.inviterId], settings.locale);
  }
  const sharedInviter = input.outcome === 'ambiguous' ? input.inviterId : null;
  const reasonKey =
    input.reason === 'several_codes' && sharedInviter ? 'several_codes_same_inviter' : input.reason;
  const reason = reasonText(settings.locale, reasonKey, {
    codes: (input.candidates ?? []).map((c) => c.code).join(', '),
    inviter: sharedInviter ? mention(sharedInviter) : '',
    code: input.code ?? '',
  });
  const content = renderTemplate(settings.templates.logUndecided, { ...values, reason });
  return body(content, [input.memberId, sharedInviter], settings.locale);
}

/** The DM to the inviter, or null when DMs are off, the join is not exact, excluded, fake or a self-invite. */
export function renderInviterDm(input: RenderInput): MessageBody | null {
  const { settings, inviterId } = input;
  if (!settings.dmInviter || input.excluded || input.outcome !== 'exact') return null;
  if (input.fake) return null;
  if (inviterId === null || inviterId === input.memberId) return null;
  const content = renderTemplate(settings.templates.dm, {
    member: mention(input.memberId),
    inviter: mention(inviterId),
    guild: freeText(input.guildName),
    code: input.code ?? '',
    ...countValues(input.counts),
    xp: input.xpAwarded,
  });
  return body(content, [input.memberId], settings.locale);
}

export type LeaveInput = {
  settings: GuildSettings;
  guildName: string;
  memberId: string;
  /** Who the member's join is attributed to (null: unknown). */
  inviterId: string | null;
  /** The inviter's counters after the leave. */
  counts: InviterCounts | null;
};

/** The leave line for the log channel, or null when leave messages or the log channel are off. */
export function renderLeaveMessage(input: LeaveInput): MessageBody | null {
  const { settings } = input;
  if (!settings.leaveMessage || settings.logChannelId === null) return null;
  const content = renderTemplate(settings.templates.leave, {
    member: mention(input.memberId),
    inviter: input.inviterId ? mention(input.inviterId) : UNKNOWN_INVITER[settings.locale],
    guild: freeText(input.guildName),
    ...countValues(input.counts),
  });
  return body(content, [input.memberId, input.inviterId], settings.locale);
}

/**
 * The log line of a join a revision changed: what it says now, marked as corrected with why (the
 * message that was posted is edited to this). Null when the join no longer gets a log line.
 */
export function renderCorrectedLogMessage(input: RenderInput, cause: string): MessageBody | null {
  const line = renderLogMessage(input);
  if (!line) return null;
  const note = `_(${correctionText(input.settings.locale, cause)})_`;
  return body(`${line.content} ${note}`, line.allowed_mentions.users, input.settings.locale);
}
