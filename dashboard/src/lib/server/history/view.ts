/** Turns stored joins into what the history page and the CSV show: labels and reason texts. */
import { FAKE_FLAG_LABELS, OUTCOME_LABELS, reasonText } from '$db/shared/texts';
import type { HistoryRow } from '$db/queries/history';
import type { Locale } from '$db/schema';
import { RESOLVABLE_OUTCOMES } from '$db/queries/joins';
import { isolateName } from '$lib/names';
import { userAvatarUrl } from '$lib/avatar';

/** Pages isolate the names inside reason sentences (see $lib/names); the CSV keeps the raw text. */
type ViewOptions = { isolateNames?: boolean };

export function joinReason(locale: Locale, row: HistoryRow, options: ViewOptions = {}): string {
  if (!row.reason) return '';
  const key =
    row.reason === 'several_codes' && row.inviterId ? 'several_codes_same_inviter' : row.reason;
  const inviter = row.inviterName ?? row.inviterId ?? '';
  return reasonText(locale, key, {
    codes: (row.candidates ?? []).map((c) => c.code).join(', '),
    inviter: options.isolateNames && inviter ? isolateName(inviter) : inviter,
    code: row.code ?? '',
  });
}

export function joinView(locale: Locale, row: HistoryRow, options: ViewOptions = {}) {
  return {
    id: row.id,
    memberId: row.memberId,
    member: row.memberName ?? row.memberId,
    memberAvatar: userAvatarUrl(row.memberId, row.memberAvatar),
    bot: row.memberBot,
    joinedAt: row.joinedAt.toISOString(),
    outcome: row.outcome,
    outcomeLabel: OUTCOME_LABELS[locale][row.outcome],
    reason: joinReason(locale, row, options),
    code: row.code,
    inviterId: row.inviterId,
    inviter: row.inviterId ? (row.inviterName ?? row.inviterId) : null,
    inviterAvatar: row.inviterId ? userAvatarUrl(row.inviterId, row.inviterAvatar) : null,
    resolvedBy: row.resolvedBy,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    excluded: row.excluded,
    xp: row.xpAwarded,
    leftAt: row.leftAt?.toISOString() ?? null,
    resolved: row.resolvedAt !== null,
    revisedAt: row.revisedAt?.toISOString() ?? null,
    resolvable: RESOLVABLE_OUTCOMES.includes(row.outcome),
    fake: row.fake,
    fakeFlags: row.fakeFlags,
    fakeFlagLabels: row.fakeFlags.map((f) => FAKE_FLAG_LABELS[locale][f]),
    rewardStatus: row.rewardStatus,
    rewardDueAt: row.rewardDueAt?.toISOString() ?? null,
  };
}

export type JoinView = ReturnType<typeof joinView>;
