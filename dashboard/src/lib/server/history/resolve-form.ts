/**
 * The "assign a join" form: which code and inviter an admin may give an undecided join. Only this
 * server's codes; a code with a known creator credits that creator; an inviter typed by hand must be
 * one of the join's candidates' inviters or someone the server knows as a member or an inviter,
 * and never the member himself. Errors are message keys shown next to their field.
 */
import { INVITE_CODE_PATTERN } from '$db/queries/excluded-codes';
import { RESOLVABLE_OUTCOMES } from '$db/queries/joins';
import type { JoinCandidate, JoinOutcome } from '$db/schema';
import type { MessageKey } from '$lib/i18n';

export type ResolveErrors = { form?: MessageKey; code?: MessageKey; inviterId?: MessageKey };

export type ResolveCheck =
  { ok: true; code: string | null; inviterId: string } | { ok: false; errors: ResolveErrors };

export type CodeOption = { code: string; inviterId: string | null };

export async function checkResolve(input: {
  join: { outcome: JoinOutcome; memberId: string; candidates: JoinCandidate[] | null };
  code: string | null;
  inviterId: string | null;
  /** The codes to choose from: the join's candidates and the guild's current invites. */
  codeOptions: () => Promise<CodeOption[]>;
  /** Whether the server knows this user as a member or an inviter (stored joins, invites, owner). */
  knownInGuild: (userId: string) => Promise<boolean>;
}): Promise<ResolveCheck> {
  const { join, code } = input;
  let inviterId = input.inviterId;
  const refuse = (errors: ResolveErrors): ResolveCheck => ({ ok: false, errors });
  if (!RESOLVABLE_OUTCOMES.includes(join.outcome)) {
    return refuse({ form: 'resolve.error.notResolvable' });
  }
  let fromCode: string | null = null;
  if (code !== null) {
    if (!INVITE_CODE_PATTERN.test(code)) return refuse({ code: 'codes.error.invalid' });
    const option = (await input.codeOptions()).find((o) => o.code === code);
    if (!option) return refuse({ code: 'resolve.error.unknownCode' });
    if (option.inviterId !== null && inviterId !== null && inviterId !== option.inviterId) {
      return refuse({ inviterId: 'resolve.error.inviterMismatch' });
    }
    fromCode = option.inviterId;
    inviterId ??= fromCode;
  }
  if (inviterId === null) return refuse({ inviterId: 'resolve.error.inviterRequired' });
  if (!/^\d{17,20}$/.test(inviterId)) return refuse({ inviterId: 'resolve.error.inviterInvalid' });
  if (inviterId === join.memberId) return refuse({ inviterId: 'resolve.error.inviterSelf' });
  const candidate = (join.candidates ?? []).some((c) => c.inviterId === inviterId);
  if (inviterId !== fromCode && !candidate && !(await input.knownInGuild(inviterId))) {
    return refuse({ inviterId: 'resolve.error.inviterUnknown' });
  }
  return { ok: true, code, inviterId };
}
