/**
 * One run of the attribution property test's model: a scenario (invites, timing, steps) played
 * through the World with its own seeded randomness, then five simulated minutes to settle. Shared
 * by the property test and the regression tests that replay the counterexamples it found.
 */
import {
  DEFAULT_ATTRIBUTION_CONFIG,
  type AttributionConfig,
} from '../../../gateway/attribution/guild-attribution';
import { World } from './attribution-world';

export type ScenarioInvite = { inviterId: string | null; maxUses: number; maxAgeMs: number | null };
export type ScenarioStep = {
  gapMs: number;
  action:
    | { kind: 'code'; pick: number }
    | { kind: 'vanity' }
    | { kind: 'discovery' }
    | { kind: 'bot' }
    | { kind: 'create'; invite: ScenarioInvite }
    | { kind: 'revoke'; pick: number }
    | { kind: 'restart'; mode: 'resume' | 'identify'; downMs: number };
};
export type Scenario = {
  initial: ScenarioInvite[];
  vanity: boolean;
  latencyMs: number;
  canAudit: boolean;
  seed: number;
  timing: {
    clockOffsetMs: number;
    lateShare: number;
    lateMaxMs: number;
    afterEventShare: number;
    lagMaxMs: number;
  };
  steps: ScenarioStep[];
};

export function runScenario(s: Scenario, config: Partial<AttributionConfig> = {}): World {
  let seed = s.seed >>> 0 || 1;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const t = s.timing;
  const w = new World({
    latencyMs: s.latencyMs,
    dispatchDelayMs: 0,
    incrementLagMs: 0,
    canAudit: s.canAudit,
    vanityCode: s.vanity ? 'vanityurl' : null,
    clockOffsetMs: t.clockOffsetMs,
    eventDelay: () =>
      random() < t.lateShare ? 120 + random() * (t.lateMaxMs - 120) : random() * 120,
    increment: () =>
      random() < t.afterEventShare
        ? { afterEvent: true, delayMs: Math.floor(random() * (t.lagMaxMs + 1)) }
        : { afterEvent: false, delayMs: 0 },
    random,
    config: { ...DEFAULT_ATTRIBUTION_CONFIG, ...config },
  });
  let codes = 0;
  const create = (i: { inviterId: string | null; maxUses: number; maxAgeMs: number | null }) =>
    w.createInvite(`c${codes++}`, i.inviterId, i.maxUses, i.maxAgeMs);
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
    else if (action.kind === 'restart') {
      w.crash(action.mode);
      w.run(action.downMs);
      w.restart();
    }
  }
  w.run(300_000);
  return w;
}
