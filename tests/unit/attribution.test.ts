import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTRIBUTION_CONFIG } from '../../gateway/attribution/guild-attribution';
import { World, type WorldOptions } from './helpers/attribution-world';

function world(overrides: Partial<WorldOptions> = {}): World {
  let seed = 42;
  return new World({
    latencyMs: 80,
    dispatchDelayMs: 20,
    incrementLagMs: 0,
    canAudit: true,
    vanityCode: null,
    random: () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    },
    config: { ...DEFAULT_ATTRIBUTION_CONFIG, settleMs: 100 },
    ...overrides,
  });
}

const decisionOf = (w: World, member: string) => w.decisions.get(member);

describe('attribution state machine', () => {
  it('attributes a lone join to the one code whose uses went up', () => {
    const w = world();
    w.createInvite('alpha', '1001');
    w.createInvite('beta', '1002');
    w.prime();
    w.join({ code: 'beta' });
    w.run(2000);
    expect(decisionOf(w, 'm1')).toMatchObject({
      outcome: 'exact',
      code: 'beta',
      inviterId: '1002',
      reason: 'single_code',
    });
    expect(w.fetchCount.invites).toBe(2);
  });

  it('counts a code created after the baseline from zero (its first use is a use)', () => {
    const w = world();
    w.prime();
    w.createInvite('fresh', '1003');
    w.run(10);
    w.join({ code: 'fresh' });
    w.run(2000);
    expect(decisionOf(w, 'm1')).toMatchObject({
      outcome: 'exact',
      code: 'fresh',
      inviterId: '1003',
    });
  });

  it('attributes N joins through one code in one fetch, and splits a batch at fetches that account for it', () => {
    const w = world({ dispatchDelayMs: 0 });
    w.createInvite('alpha', '1001');
    w.createInvite('beta', '1002');
    w.prime();
    for (let i = 0; i < 5; i++) {
      w.join({ code: 'alpha' });
      w.run(5);
    }
    w.run(3000);
    expect([...w.decisions.values()].map((d) => [d.outcome, d.code])).toEqual(
      Array.from({ length: 5 }, () => ['exact', 'alpha']),
    );
  });

  it('calls two joins through different codes counted by the same fetch ambiguous, keeping a shared inviter', () => {
    const w = world({ latencyMs: 200, dispatchDelayMs: 0 });
    w.createInvite('alpha', '1001');
    w.createInvite('beta', '1001');
    w.prime();
    w.join({ code: 'alpha' });
    w.join({ code: 'beta' });
    w.run(3000);
    for (const member of ['m1', 'm2']) {
      expect(decisionOf(w, member)).toMatchObject({
        outcome: 'ambiguous',
        reason: 'several_codes',
        inviterId: '1001',
        code: null,
      });
      expect(decisionOf(w, member)?.candidates?.map((c) => c.code)).toEqual(['alpha', 'beta']);
    }
  });

  it('names no inviter when ambiguous codes belong to different inviters', () => {
    const w = world({ latencyMs: 200, dispatchDelayMs: 0 });
    w.createInvite('alpha', '1001');
    w.createInvite('beta', '1002');
    w.prime();
    w.join({ code: 'alpha' });
    w.join({ code: 'beta' });
    w.run(3000);
    expect(decisionOf(w, 'm1')).toMatchObject({ outcome: 'ambiguous', inviterId: null });
  });

  it('says unknown for a join that moved no counter (discovery), with one fetch', () => {
    const w = world();
    w.createInvite('alpha', '1001');
    w.prime();
    w.join({ discovery: true });
    w.run(10_000);
    expect(decisionOf(w, 'm1')).toMatchObject({ outcome: 'unknown', reason: 'no_use_changed' });
    expect(w.fetchCount.invites).toBe(2);
  });

  it('does not let an unpairable join hold up the joins after it', () => {
    const w = world({ dispatchDelayMs: 0 });
    w.createInvite('alpha', '1001');
    w.prime();
    w.join({ discovery: true });
    for (let i = 0; i < 5; i++) {
      w.run(400);
      w.join({ code: 'alpha' });
    }
    w.run(5000);
    expect(decisionOf(w, 'm1')).toMatchObject({ outcome: 'unknown' });
    for (const member of ['m2', 'm3', 'm4', 'm5', 'm6']) {
      expect(decisionOf(w, member)).toMatchObject({ outcome: 'exact', code: 'alpha' });
    }
  });

  it('never pairs a code with one of two joins when only one counter moved', () => {
    const w = world({ latencyMs: 200, dispatchDelayMs: 0 });
    w.createInvite('alpha', '1001');
    w.prime();
    w.join({ discovery: true });
    w.join({ code: 'alpha' });
    w.run(10_000);
    for (const member of ['m1', 'm2']) {
      expect(decisionOf(w, member)).toMatchObject({
        outcome: 'ambiguous',
        reason: 'fewer_uses_than_joins',
        inviterId: null,
      });
    }
  });

  it('attributes a used-up one-use invite after the audit log shows nobody revoked it', () => {
    const w = world();
    w.createInvite('once', '1005', 1);
    w.prime();
    w.join({ code: 'once' });
    w.run(10_000);
    expect(decisionOf(w, 'm1')).toMatchObject({
      outcome: 'exact',
      code: 'once',
      inviterId: '1005',
      reason: 'max_uses_consumed',
    });
    expect(w.fetchCount.audit).toBe(1);
  });

  it('does not blame a revoked one-use invite for a discovery join', () => {
    const w = world();
    w.createInvite('once', '1005', 1);
    w.prime();
    w.revoke('once');
    w.join({ discovery: true });
    w.run(10_000);
    expect(decisionOf(w, 'm1')).toMatchObject({ outcome: 'unknown', inviterId: null });
  });

  it('without the audit log, a vanished one-use invite is only a candidate', () => {
    const w = world({ canAudit: false });
    w.createInvite('once', '1005', 1);
    w.prime();
    w.join({ code: 'once' });
    w.run(10_000);
    expect(decisionOf(w, 'm1')).toMatchObject({
      outcome: 'ambiguous',
      reason: 'vanished_unconfirmed',
      inviterId: null,
    });
    expect(decisionOf(w, 'm1')?.candidates).toEqual([{ code: 'once', inviterId: '1005' }]);
  });

  it('recognises vanity joins and bots', () => {
    const w = world({ vanityCode: 'cool' });
    w.createInvite('alpha', '1001');
    w.prime();
    w.join({ vanity: true });
    w.run(2000);
    w.join({ bot: true });
    w.run(2000);
    expect(decisionOf(w, 'm1')).toMatchObject({ outcome: 'vanity', code: 'cool', inviterId: null });
    expect(decisionOf(w, 'm2')).toMatchObject({ outcome: 'bot', reason: 'bot_account' });
  });

  it('waits out uses that are counted after the join event (increment lag)', () => {
    const w = world({
      incrementLagMs: 300,
      config: { ...DEFAULT_ATTRIBUTION_CONFIG, settleMs: 100, maxIncrementLagMs: 300 },
    });
    w.createInvite('alpha', '1001');
    w.prime();
    w.join({ code: 'alpha' });
    w.run(10_000);
    expect(decisionOf(w, 'm1')).toMatchObject({ outcome: 'exact', code: 'alpha' });
  });

  it('decides a single-code burst exactly once it settles, with few fetches', () => {
    const w = world({ dispatchDelayMs: 5 });
    w.createInvite('raid', '1009');
    w.prime();
    const before = w.fetchCount.invites;
    for (let i = 0; i < 400; i++) {
      w.join({ code: 'raid' });
      w.run(5);
    }
    w.run(10_000);
    const outcomes = new Set([...w.decisions.values()].map((d) => `${d.outcome}:${d.code}`));
    expect(outcomes).toEqual(new Set(['exact:raid']));
    expect(w.decisions.size).toBe(400);
    expect((w.fetchCount.invites - before) / 400).toBeLessThan(0.05);
  });
});
