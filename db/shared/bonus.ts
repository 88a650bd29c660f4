/**
 * Bonus invites, the pure part: the bounds an admin's bonus must stay in, checked the same way by
 * the slash command and the dashboard. No I/O.
 */

/** At most this many invites given or taken at once (a typo of 10000 stays out). */
export const BONUS_MAX = 1000;
/** The reason is required and short: it is shown in the audit trail and the reply. */
export const BONUS_REASON_MAX = 200;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

export type BonusError = 'amount' | 'reason';

export type BonusInput = { amount: number; reason: string };

/**
 * Checks an amount (non-zero whole number within ±BONUS_MAX) and a reason (1–BONUS_REASON_MAX
 * characters after trimming; control characters are removed, since the reason is shown in
 * messages and pages). Returns the cleaned input or the fields that are wrong.
 */
export function checkBonus(
  amount: unknown,
  reason: unknown,
): { ok: true; value: BonusInput } | { ok: false; errors: BonusError[] } {
  const errors: BonusError[] = [];
  const n =
    typeof amount === 'string' && /^\s*[+-]?\d{1,7}\s*$/.test(amount) ? Number(amount) : amount;
  const amountOk =
    typeof n === 'number' && Number.isInteger(n) && n !== 0 && Math.abs(n) <= BONUS_MAX;
  if (!amountOk) errors.push('amount');
  const cleaned = typeof reason === 'string' ? reason.replace(CONTROL, ' ').trim() : '';
  if (cleaned.length === 0 || [...cleaned].length > BONUS_REASON_MAX) errors.push('reason');
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { amount: n as number, reason: cleaned } };
}
