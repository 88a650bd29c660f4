/** The join history's filter and page position in the URL (pure): parsing and building links. */
import {
  decodeCursor,
  HISTORY_FLAGS,
  HISTORY_OUTCOMES,
  type HistoryCursor,
  type HistoryFlag,
  type HistoryOutcome,
} from '$db/queries/history';
import { INVITE_CODE_PATTERN } from '$db/queries/excluded-codes';

export type HistoryQuery = {
  outcome: HistoryOutcome | null;
  /** Fair play: fake, reward still waiting, or one fake-account flag. */
  flag: HistoryFlag | null;
  code: string | null;
  /** As typed: a user id, or the start of a username / display name. */
  inviter: string | null;
  /** As typed: the joining member's id or the start of their name. */
  member: string | null;
  before: HistoryCursor | null;
  after: HistoryCursor | null;
  /** Filter fields that were given but invalid (shown as errors, ignored in the query). */
  invalid: ('outcome' | 'flag' | 'code' | 'inviter' | 'member')[];
};

export function parseHistoryQuery(params: URLSearchParams): HistoryQuery {
  const invalid: HistoryQuery['invalid'] = [];
  const text = (name: string) => params.get(name)?.trim() || null;
  let outcome = text('outcome') as HistoryOutcome | null;
  if (outcome !== null && !HISTORY_OUTCOMES.includes(outcome)) {
    invalid.push('outcome');
    outcome = null;
  }
  let flag = text('flag') as HistoryFlag | null;
  if (flag !== null && !HISTORY_FLAGS.includes(flag)) {
    invalid.push('flag');
    flag = null;
  }
  let code = text('code');
  if (code !== null && !INVITE_CODE_PATTERN.test(code)) {
    invalid.push('code');
    code = null;
  }
  const person = (name: 'inviter' | 'member') => {
    const value = text(name);
    if (value === null || value.length <= 100) return value;
    invalid.push(name);
    return null;
  };
  const inviter = person('inviter');
  const member = person('member');
  return {
    outcome,
    flag,
    code,
    inviter,
    member,
    before: decodeCursor(params.get('before')),
    after: decodeCursor(params.get('after')),
    invalid,
  };
}

/** `?outcome=…&flag=…&code=…&inviter=…` plus extra parameters (a cursor), without empty ones. */
export function historySearch(
  query: Pick<HistoryQuery, 'outcome' | 'code' | 'inviter'> & {
    flag?: HistoryFlag | null;
    member?: string | null;
  },
  extra: Record<string, string | null> = {},
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...query, ...extra })) {
    if (typeof value === 'string' && value !== '') params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A user id or a name, as the inviter filter understands it. */
export function isUserId(value: string): boolean {
  return /^\d{17,20}$/.test(value);
}
