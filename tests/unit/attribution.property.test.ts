/**
 * Property: on any interleaving the model produces (joins by code, vanity, discovery and bots; invite
 * creates and revokes; max-uses invites used up; expiry; fetch and event timing), no decision names
 * a wrong code or inviter, and every join is eventually decided.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTRIBUTION_CONFIG } from '../../gateway/attribution/guild-attribution';
import { World } from './helpers/attribution-world';

const inviter = fc.constantFrom('1001', '1002', '1003', null);
const invite = fc.record({
  inviterId: inviter,
  maxUses: fc.constantFrom(0, 0, 1, 2, 3),
  maxAgeMs: fc.option(fc.integer({ min: 500, max: 20_000 }), { nil: null }),
});
const step = fc.record({
  gapMs: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3000 })),
  action: fc.oneof(
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('code' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('vanity' as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('discovery' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('bot' as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('create' as const), invite }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), pick: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('restart' as const),
        mode: fc.constantFrom('resume' as const, 'identify' as const),
        downMs: fc.integer({ min: 0, max: 5000 }),
      }),
    },
  ),
});
const scenario = fc.record({
  initial: fc.array(invite, { minLength: 1, maxLength: 4 }),
  vanity: fc.boolean(),
  latencyMs: fc.integer({ min: 0, max: 250 }),
  dispatchDelayMs: fc.integer({ min: 0, max: 120 }),
  incrementLagMs: fc.constantFrom(0, 0, 0, 150),
  canAudit: fc.boolean(),
  seed: fc.integer(),
  steps: fc.array(step, { minLength: 1, maxLength: 40 }),
});

describe('attribution invariants (fast-check)', () => {
  it('never names a wrong code or inviter, and decides every join', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        let seed = s.seed >>> 0 || 1;
        const w = new World({
          latencyMs: s.latencyMs,
          dispatchDelayMs: s.dispatchDelayMs,
          incrementLagMs: s.incrementLagMs,
          canAudit: s.canAudit,
          vanityCode: s.vanity ? 'vanityurl' : null,
          random: () => {
            seed ^= seed << 13;
            seed ^= seed >>> 17;
            seed ^= seed << 5;
            return (seed >>> 0) / 2 ** 32;
          },
          config: {
            ...DEFAULT_ATTRIBUTION_CONFIG,
            settleMs: s.dispatchDelayMs + 1,
            maxIncrementLagMs: s.incrementLagMs,
          },
        });
        let codes = 0;
        const create = (i: {
          inviterId: string | null;
          maxUses: number;
          maxAgeMs: number | null;
        }) => w.createInvite(`c${codes++}`, i.inviterId, i.maxUses, i.maxAgeMs);
        s.initial.forEach(create);
        w.prime();
        for (const { gapMs, action } of s.steps) {
          w.run(gapMs);
          const live = w.liveCodes();
          if (action.kind === 'code' && live.length > 0)
            w.join({ code: live[action.pick % live.length]! });
          else if (action.kind === 'vanity') w.join({ vanity: true });
          else if (action.kind === 'discovery') w.join({ discovery: true });
          else if (action.kind === 'bot') w.join({ bot: true });
          else if (action.kind === 'create') create(action.invite);
          else if (action.kind === 'revoke' && live.length > 0)
            w.revoke(live[action.pick % live.length]!);
        }
        w.run(300_000);
        expect(w.wrongDecisions()).toEqual([]);
        expect([...w.truths.keys()].filter((m) => !w.decisions.has(m))).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});
