import { describe, expect, it } from 'vitest';
import { checkResolve } from '../../dashboard/src/lib/server/history/resolve-form';

const MEMBER = '500000000000000001';
const CANDIDATE_INVITER = '400000000000000001';
const CODE_CREATOR = '400000000000000002';
const KNOWN = '400000000000000003';
const STRANGER = '400000000000000004';

const join = {
  outcome: 'ambiguous' as const,
  memberId: MEMBER,
  candidates: [{ code: 'cand1', inviterId: CANDIDATE_INVITER }],
};
const asked: string[] = [];
const check = (code: string | null, inviterId: string | null, over: Partial<typeof join> = {}) =>
  checkResolve({
    join: { ...join, ...over },
    code,
    inviterId,
    codeOptions: async () => [
      { code: 'cand1', inviterId: CANDIDATE_INVITER },
      { code: 'live1', inviterId: CODE_CREATOR },
      { code: 'nobody', inviterId: null },
    ],
    knownInGuild: async (id) => {
      asked.push(id);
      return id === KNOWN;
    },
  });

describe('assigning a join', () => {
  it('credits a code to its creator, or checks the typed inviter against it', async () => {
    expect(await check('live1', null)).toEqual({
      ok: true,
      code: 'live1',
      inviterId: CODE_CREATOR,
    });
    expect(await check('live1', KNOWN)).toEqual({
      ok: false,
      errors: { inviterId: 'resolve.error.inviterMismatch' },
    });
    expect(await check('elsewhere', null)).toEqual({
      ok: false,
      errors: { code: 'resolve.error.unknownCode' },
    });
    expect(await check('nobody', null)).toEqual({
      ok: false,
      errors: { inviterId: 'resolve.error.inviterRequired' },
    });
  });

  it('takes a typed inviter only from the candidates or the people the server knows', async () => {
    expect(await check(null, CANDIDATE_INVITER)).toEqual({
      ok: true,
      code: null,
      inviterId: CANDIDATE_INVITER,
    });
    expect(await check(null, KNOWN)).toEqual({ ok: true, code: null, inviterId: KNOWN });
    expect(await check(null, STRANGER)).toEqual({
      ok: false,
      errors: { inviterId: 'resolve.error.inviterUnknown' },
    });
    expect(await check('nobody', STRANGER)).toEqual({
      ok: false,
      errors: { inviterId: 'resolve.error.inviterUnknown' },
    });
    expect(await check('nobody', KNOWN)).toEqual({ ok: true, code: 'nobody', inviterId: KNOWN });
  });

  it('never credits the member with their own join', async () => {
    for (const [code, inviterId] of [
      [null, MEMBER],
      ['nobody', MEMBER],
    ] as const) {
      expect(await check(code, inviterId)).toEqual({
        ok: false,
        errors: { inviterId: 'resolve.error.inviterSelf' },
      });
    }
    // Also when the member created the code themselves.
    expect(await check('live1', null, { memberId: CODE_CREATOR })).toEqual({
      ok: false,
      errors: { inviterId: 'resolve.error.inviterSelf' },
    });
  });

  it('refuses decided joins and malformed input before asking the database', async () => {
    asked.length = 0;
    expect(await check(null, KNOWN, { outcome: 'exact' as 'ambiguous' })).toEqual({
      ok: false,
      errors: { form: 'resolve.error.notResolvable' },
    });
    expect(await check('no way', null)).toEqual({
      ok: false,
      errors: { code: 'codes.error.invalid' },
    });
    expect(await check(null, '12345')).toEqual({
      ok: false,
      errors: { inviterId: 'resolve.error.inviterInvalid' },
    });
    expect(asked).toEqual([]);
  });
});
