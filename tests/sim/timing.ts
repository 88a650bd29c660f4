/**
 * Delay distributions for join timing. Pure: a sample is a function of one uniform number, so a
 * seeded PRNG gives reproducible delays and the sampler can be tested without timers.
 */
import { SimError } from './state';
import type {
  DelayDistribution,
  IncrementTiming,
  JoinPlan,
  JoinTiming,
  JoinTimingOptions,
  JoinTimingOverrides,
} from './types';

/** z with Φ(z) = 0.99: the lognormal's σ is ln(p99 / median) / Z99. */
export const Z99 = 2.326_347_874_040_840_8;
/** Cap of lognormal delays without maxMs: a heavy tail must not stall a test for minutes. */
export const DEFAULT_LOGNORMAL_MAX_MS = 10_000;

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9),
 * so one uniform gives one normal: every draw consumes exactly one PRNG value.
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
    -3.066479806614716e1, 2.506628277459239,
  ] as const;
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1,
  ] as const;
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ] as const;
  const d = [
    7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416,
  ] as const;
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

function finiteAtLeast(value: unknown, min: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new SimError(`${what} must be a finite number ≥ ${min}`);
  }
  return value;
}

/** Checks a distribution (also one that arrived as JSON) and returns it normalised. */
export function validateDistribution(value: unknown, what = 'delay'): DelayDistribution {
  const d = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  switch (d.kind) {
    case 'fixed':
      return { kind: 'fixed', ms: finiteAtLeast(d.ms, 0, `${what}.ms`) };
    case 'uniform': {
      const minMs = finiteAtLeast(d.minMs, 0, `${what}.minMs`);
      const maxMs = finiteAtLeast(d.maxMs, minMs, `${what}.maxMs`);
      return { kind: 'uniform', minMs, maxMs };
    }
    case 'lognormal': {
      const medianMs = finiteAtLeast(d.medianMs, Number.MIN_VALUE, `${what}.medianMs`);
      const p99Ms = finiteAtLeast(d.p99Ms, medianMs, `${what}.p99Ms`);
      const maxMs =
        d.maxMs === undefined || d.maxMs === null
          ? DEFAULT_LOGNORMAL_MAX_MS
          : finiteAtLeast(d.maxMs, 0, `${what}.maxMs`);
      return { kind: 'lognormal', medianMs, p99Ms, maxMs };
    }
    default:
      throw new SimError(`${what} must be {kind: 'fixed' | 'uniform' | 'lognormal', ...}`);
  }
}

/**
 * One delay in ms from one uniform u ∈ [0, 1). Lognormal: exp(ln median + σ·Φ⁻¹(u)) with
 * σ = ln(p99 / median) / Z99, capped at maxMs (so a cap below p99 also lowers the p99).
 */
export function sampleDelay(dist: DelayDistribution, u: number): number {
  switch (dist.kind) {
    case 'fixed':
      return dist.ms;
    case 'uniform':
      return dist.minMs + u * (dist.maxMs - dist.minMs);
    case 'lognormal': {
      const sigma = Math.log(dist.p99Ms / dist.medianMs) / Z99;
      // σ = 0 (p99 = median) would give 0 × −∞ at u = 0.
      const ms =
        sigma === 0 ? dist.medianMs : Math.exp(Math.log(dist.medianMs) + sigma * normalQuantile(u));
      return Math.min(ms, dist.maxMs ?? DEFAULT_LOGNORMAL_MAX_MS);
    }
  }
}

const IMMEDIATE: DelayDistribution = { kind: 'fixed', ms: 0 };

/** Everything at once: counter first, then GUILD_MEMBER_ADD (what trackers rely on). */
export function defaultJoinTiming(): JoinTiming {
  return {
    eventDelay: IMMEDIATE,
    incrementAfterDispatch: { probability: 0, delay: IMMEDIATE },
    incrementBeforeDispatchDelay: IMMEDIATE,
  };
}

/** `current` with the given fields replaced, all validated (also input that arrived as JSON). */
export function mergeJoinTiming(current: JoinTiming, o: JoinTimingOptions): JoinTiming {
  const after = o.incrementAfterDispatch;
  if (after !== undefined && (typeof after !== 'object' || after === null)) {
    throw new SimError('incrementAfterDispatch must be {probability?, delay?}');
  }
  const probability = after?.probability ?? current.incrementAfterDispatch.probability;
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
    throw new SimError('incrementAfterDispatch.probability must be between 0 and 1');
  }
  return {
    eventDelay:
      o.eventDelay === undefined
        ? current.eventDelay
        : validateDistribution(o.eventDelay, 'eventDelay'),
    incrementAfterDispatch: {
      probability,
      delay:
        after?.delay === undefined
          ? current.incrementAfterDispatch.delay
          : validateDistribution(after.delay, 'incrementAfterDispatch.delay'),
    },
    incrementBeforeDispatchDelay:
      o.incrementBeforeDispatchDelay === undefined
        ? current.incrementBeforeDispatchDelay
        : validateDistribution(o.incrementBeforeDispatchDelay, 'incrementBeforeDispatchDelay'),
  };
}

/**
 * The old global switch in JoinTiming terms: incrementTiming = probability 1 or 0 of
 * after-dispatch; incrementDelayMs = the gap between counter and GUILD_MEMBER_ADD in either order.
 */
export function legacyInviteTiming(
  current: JoinTiming,
  o: { incrementTiming?: IncrementTiming; incrementDelayMs?: number },
): JoinTiming {
  const timing: unknown = o.incrementTiming;
  if (timing !== undefined && timing !== 'before-dispatch' && timing !== 'after-dispatch') {
    throw new SimError('incrementTiming must be before-dispatch or after-dispatch');
  }
  const gap =
    o.incrementDelayMs === undefined
      ? undefined
      : validateDistribution({ kind: 'fixed', ms: o.incrementDelayMs }, 'incrementDelayMs');
  return mergeJoinTiming(current, {
    incrementAfterDispatch: {
      probability: timing === undefined ? undefined : timing === 'after-dispatch' ? 1 : 0,
      delay: gap,
    },
    incrementBeforeDispatchDelay: gap,
  });
}

/** Checks per-join overrides (also from JSON). */
export function validateOverrides(o: JoinTimingOverrides): void {
  for (const key of ['eventDelayMs', 'incrementDelayMs'] as const) {
    if (o[key] !== undefined) finiteAtLeast(o[key], 0, key);
  }
  const timing: unknown = o.incrementTiming;
  if (timing !== undefined && timing !== 'before-dispatch' && timing !== 'after-dispatch') {
    throw new SimError('incrementTiming must be before-dispatch or after-dispatch');
  }
}

/**
 * The timing of one join. Always three draws in the same order (after-dispatch?, event delay,
 * increment gap), whatever is overridden, so one join's overrides do not shift later joins' draws.
 */
export function planJoin(
  timing: JoinTiming,
  random: () => number,
  o: JoinTimingOverrides = {},
): JoinPlan {
  const uTiming = random();
  const uEvent = random();
  const uGap = random();
  const incrementTiming: IncrementTiming =
    o.incrementTiming ??
    (uTiming < timing.incrementAfterDispatch.probability ? 'after-dispatch' : 'before-dispatch');
  const gap =
    incrementTiming === 'after-dispatch'
      ? timing.incrementAfterDispatch.delay
      : timing.incrementBeforeDispatchDelay;
  return {
    eventDelayMs: o.eventDelayMs ?? sampleDelay(timing.eventDelay, uEvent),
    incrementTiming,
    incrementDelayMs: o.incrementDelayMs ?? sampleDelay(gap, uGap),
  };
}
