/** The pure fair-play rules: fake flags under ANY/ALL, due times, release and take-back conditions. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assessFake,
  DAY_MS,
  enabledFlags,
  rewardReleasable,
  snowflakeTime,
  takesBackXp,
  type FakeRules,
  type JoinFacts,
} from '../../db/shared/fair-play';

const EPOCH = 1_420_070_400_000n;
const idAt = (ms: number) => String((BigInt(ms) - EPOCH) << 22n);
const T = Date.parse('2026-06-01T00:00:00Z');

const rules = (over: Partial<FakeRules> = {}): FakeRules => ({
  fakeAccountAge: false,
  fakeMinAccountAgeDays: 7,
  fakeNoAvatar: false,
  fakeRejoin: false,
  fakeSelfInvite: false,
  fakeMode: 'any',
  ...over,
});

describe('fake flags', () => {
  it('reads the account age from the snowflake', () => {
    expect(snowflakeTime(idAt(T)).getTime()).toBe(T);
    const facts = (ageDays: number): JoinFacts => ({
      memberId: idAt(T - ageDays * DAY_MS),
      joinedAt: new Date(T),
      hasAvatar: true,
      joinedBefore: false,
      inviterId: '400000000000000001',
    });
    const on = rules({ fakeAccountAge: true });
    expect(assessFake(facts(1), on)).toEqual({ flags: ['account_age'], fake: true });
    expect(assessFake(facts(6.99), on).fake).toBe(true);
    expect(assessFake(facts(7), on)).toEqual({ flags: [], fake: false });
    expect(assessFake(facts(1), rules()).fake).toBe(false);
  });

  it('no avatar applies only when known; self-invite only with the member as inviter', () => {
    const base: JoinFacts = {
      memberId: idAt(T - 400 * DAY_MS),
      joinedAt: new Date(T),
      hasAvatar: null,
      joinedBefore: false,
      inviterId: null,
    };
    const all = rules({ fakeNoAvatar: true, fakeSelfInvite: true });
    expect(assessFake(base, all).flags).toEqual([]);
    expect(assessFake({ ...base, hasAvatar: false }, all).flags).toEqual(['no_avatar']);
    expect(assessFake({ ...base, inviterId: base.memberId }, all).flags).toEqual(['self_invite']);
  });

  it('ANY and ALL: flags are the enabled ones that apply; ALL needs every enabled one', () => {
    const factsArb = fc.record({
      ageDays: fc.integer({ min: 0, max: 30 }),
      hasAvatar: fc.option(fc.boolean(), { nil: null }),
      joinedBefore: fc.boolean(),
      self: fc.boolean(),
    });
    const rulesArb = fc.record({
      fakeAccountAge: fc.boolean(),
      fakeMinAccountAgeDays: fc.integer({ min: 1, max: 30 }),
      fakeNoAvatar: fc.boolean(),
      fakeRejoin: fc.boolean(),
      fakeSelfInvite: fc.boolean(),
      fakeMode: fc.constantFrom('any' as const, 'all' as const),
    });
    fc.assert(
      fc.property(factsArb, rulesArb, (f, r) => {
        const memberId = idAt(T - f.ageDays * DAY_MS);
        const facts: JoinFacts = {
          memberId,
          joinedAt: new Date(T),
          hasAvatar: f.hasAvatar,
          joinedBefore: f.joinedBefore,
          inviterId: f.self ? memberId : '400000000000000001',
        };
        const { flags, fake } = assessFake(facts, r);
        const enabled = enabledFlags(r);
        expect(flags.every((flag) => enabled.includes(flag))).toBe(true);
        const any = assessFake(facts, { ...r, fakeMode: 'any' }).fake;
        const all = assessFake(facts, { ...r, fakeMode: 'all' }).fake;
        expect(any).toBe(flags.length > 0);
        expect(all).toBe(enabled.length > 0 && flags.length === enabled.length);
        if (all) expect(any).toBe(true);
        expect(fake).toBe(r.fakeMode === 'any' ? any : all);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('rewards', () => {
  const now = new Date(T);
  it('release needs the due time passed, the member present and the role when one is required', () => {
    const due = { rewardDueAt: new Date(T - 1), roleSeenAt: null, leftAt: null };
    expect(rewardReleasable(due, { requiredRoleId: null }, now)).toBe(true);
    expect(
      rewardReleasable({ ...due, rewardDueAt: new Date(T + 1) }, { requiredRoleId: null }, now),
    ).toBe(false);
    expect(rewardReleasable({ ...due, leftAt: now }, { requiredRoleId: null }, now)).toBe(false);
    expect(rewardReleasable(due, { requiredRoleId: '6' }, now)).toBe(false);
    expect(rewardReleasable({ ...due, roleSeenAt: now }, { requiredRoleId: '6' }, now)).toBe(true);
  });

  it('takes XP back only within the set days, never with 0 (keep)', () => {
    const joined = new Date(T);
    expect(takesBackXp(joined, new Date(T + 2 * DAY_MS), 0)).toBe(false);
    expect(takesBackXp(joined, new Date(T + 2 * DAY_MS), 3)).toBe(true);
    expect(takesBackXp(joined, new Date(T + 3 * DAY_MS), 3)).toBe(false);
  });
});
