/**
 * The dashboard's bonus form (leaderboard page: any member by id; inviter page: that inviter):
 * checks the post (a hostile one gets field errors, nothing stored) and stores the bonus once per
 * form (the form's one-time request id), audited in the same transaction. The guild guard has
 * already re-checked Manage Server with Discord for this write.
 */
import { randomUUID } from 'node:crypto';
import { giveBonus } from '$db/queries/bonus';
import { isMemberOrInviter } from '$db/queries/joins';
import { checkBonus } from '$db/shared/bonus';
import type { Db } from '$db/client';
import type { MessageKey } from '$lib/i18n';
import { isUserId } from '$lib/server/history/query';
import { log } from '$lib/server/log';

export type BonusErrors = Partial<Record<'member' | 'amount' | 'reason' | 'form', MessageKey>>;
export type BonusValues = { memberId: string; amount: string; reason: string };

/** A fresh one-time id for a bonus form (rendered as a hidden field). */
export const newBonusRequestId = (): string => randomUUID();

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function submitBonus(
  db: Db,
  input: { guildId: string; actorId: string; form: FormData; memberId?: string },
): Promise<
  | { ok: true; applied: boolean; memberId: string; amount: number; total: number }
  | { ok: false; errors: BonusErrors; values: BonusValues }
> {
  const field = (name: string) => {
    const value = input.form.get(name);
    return typeof value === 'string' ? value : '';
  };
  const memberId = input.memberId ?? field('memberId').trim();
  const values = {
    memberId,
    amount: field('amount').slice(0, 20),
    reason: field('reason').slice(0, 500),
  };
  const errors: BonusErrors = {};
  if (!isUserId(memberId) || !(await isMemberOrInviter(db, input.guildId, memberId))) {
    errors.member = 'bonus.error.member';
  }
  const checked = checkBonus(field('amount'), field('reason'));
  if (!checked.ok) {
    if (checked.errors.includes('amount')) errors.amount = 'bonus.error.amount';
    if (checked.errors.includes('reason')) errors.reason = 'bonus.error.reason';
  }
  const requestId = field('requestId');
  if (!REQUEST_ID.test(requestId)) errors.form = 'bonus.error.request';
  if (!checked.ok || Object.keys(errors).length > 0) return { ok: false, errors, values };
  const { applied, counts } = await giveBonus(db, {
    guildId: input.guildId,
    memberId,
    ...checked.value,
    actorId: input.actorId,
    requestId: `dashboard:${requestId}`,
    via: 'dashboard',
  });
  log.info(
    {
      guildId: input.guildId,
      userId: input.actorId,
      memberId,
      amount: checked.value.amount,
      applied,
    },
    'bonus invites given by admin',
  );
  return { ok: true, applied, memberId, amount: checked.value.amount, total: counts.total };
}
