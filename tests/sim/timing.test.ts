/** The pure parts of join timing: samplers and per-join plans (no timers, no sockets). */
import { describe, expect, it } from 'vitest';
import { Prng } from './snowflake';
import { SimError } from './state';
import {
  DEFAULT_LOGNORMAL_MAX_MS,
  defaultJoinTiming,
  legacyInviteTiming,
  mergeJoinTiming,
  normalQuantile,
  planJoin,
  sampleDelay,
  validateDistribution,
} from './timing';
import type { DelayDistribution } from './types';

function samples(dist: DelayDistribution, n: number, seed = 1): number[] {
  const random = new Prng(seed);
  return Array.from({ length: n }, () => sampleDelay(dist, random.next())).sort((a, b) => a - b);
}

const quantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

describe('delay samplers', () => {
  it('normalQuantile inverts the standard normal CDF', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326_347_874, 6);
    expect(normalQuantile(0.841_344_746)).toBeCloseTo(1, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090_232_306, 6);
    expect(normalQuantile(0)).toBe(-Infinity);
  });

  it('lognormal: median and p99 as requested over many draws', () => {
    const sorted = samples({ kind: 'lognormal', medianMs: 40, p99Ms: 900 }, 40_000);
    expect(quantile(sorted, 0.5)).toBeGreaterThan(40 * 0.96);
    expect(quantile(sorted, 0.5)).toBeLessThan(40 * 1.04);
    expect(quantile(sorted, 0.99)).toBeGreaterThan(900 * 0.92);
    expect(quantile(sorted, 0.99)).toBeLessThan(900 * 1.08);
    expect(sorted[0]).toBeGreaterThan(0);
    expect(sorted.at(-1)).toBeLessThanOrEqual(DEFAULT_LOGNORMAL_MAX_MS);
  });

  it('lognormal is capped at maxMs (default 10 s), which also caps the tail quantiles', () => {
    const capped = samples({ kind: 'lognormal', medianMs: 100, p99Ms: 5000, maxMs: 1000 }, 20_000);
    expect(capped.at(-1)).toBe(1000);
    expect(quantile(capped, 0.99)).toBe(1000);
    expect(quantile(capped, 0.5)).toBeCloseTo(100, -1);
    const heavy = samples({ kind: 'lognormal', medianMs: 1000, p99Ms: 60_000 }, 20_000);
    expect(heavy.at(-1)).toBe(DEFAULT_LOGNORMAL_MAX_MS);
    expect(sampleDelay({ kind: 'lognormal', medianMs: 50, p99Ms: 50 }, 0)).toBe(50);
  });

  it('uniform spans [min, max] evenly; fixed is fixed', () => {
    const sorted = samples({ kind: 'uniform', minMs: 100, maxMs: 300 }, 20_000);
    expect(sorted[0]).toBeGreaterThanOrEqual(100);
    expect(sorted.at(-1)).toBeLessThan(300);
    expect(quantile(sorted, 0.25)).toBeCloseTo(150, -1);
    expect(quantile(sorted, 0.75)).toBeCloseTo(250, -1);
    expect(samples({ kind: 'fixed', ms: 7 }, 10)).toEqual(Array(10).fill(7));
  });

  it('the same seed gives the same draws', () => {
    const dist: DelayDistribution = { kind: 'lognormal', medianMs: 30, p99Ms: 500 };
    expect(samples(dist, 50, 9)).toEqual(samples(dist, 50, 9));
    expect(samples(dist, 50, 9)).not.toEqual(samples(dist, 50, 10));
  });

  it('refuses malformed distributions', () => {
    for (const bad of [
      { kind: 'fixed', ms: -1 },
      { kind: 'uniform', minMs: 5, maxMs: 1 },
      { kind: 'lognormal', medianMs: 0, p99Ms: 10 },
      { kind: 'lognormal', medianMs: 10, p99Ms: 5 },
      { kind: 'normal', ms: 1 },
      { kind: 'fixed', ms: Number.NaN },
      null,
    ]) {
      expect(() => validateDistribution(bad), JSON.stringify(bad)).toThrow(SimError);
    }
    expect(validateDistribution({ kind: 'lognormal', medianMs: 10, p99Ms: 50 })).toEqual({
      kind: 'lognormal',
      medianMs: 10,
      p99Ms: 50,
      maxMs: DEFAULT_LOGNORMAL_MAX_MS,
    });
  });
});

describe('join plans', () => {
  it('draws after-dispatch with the given probability and its own delay', () => {
    const timing = mergeJoinTiming(defaultJoinTiming(), {
      eventDelay: { kind: 'uniform', minMs: 0, maxMs: 50 },
      incrementAfterDispatch: { probability: 0.2, delay: { kind: 'fixed', ms: 300 } },
      incrementBeforeDispatchDelay: { kind: 'fixed', ms: 5 },
    });
    const random = new Prng(3);
    const plans = Array.from({ length: 10_000 }, () => planJoin(timing, () => random.next()));
    const after = plans.filter((p) => p.incrementTiming === 'after-dispatch');
    expect(after.length / plans.length).toBeGreaterThan(0.18);
    expect(after.length / plans.length).toBeLessThan(0.22);
    expect(after.every((p) => p.incrementDelayMs === 300)).toBe(true);
    expect(
      plans
        .filter((p) => p.incrementTiming === 'before-dispatch')
        .every((p) => p.incrementDelayMs === 5),
    ).toBe(true);
    expect(plans.every((p) => p.eventDelayMs >= 0 && p.eventDelayMs < 50)).toBe(true);
  });

  it('overrides win, and consume the same draws (later joins are not shifted)', () => {
    const timing = mergeJoinTiming(defaultJoinTiming(), {
      eventDelay: { kind: 'lognormal', medianMs: 20, p99Ms: 400 },
      incrementAfterDispatch: {
        probability: 0.5,
        delay: { kind: 'uniform', minMs: 0, maxMs: 300 },
      },
    });
    const plain = new Prng(11);
    const overridden = new Prng(11);
    const first = planJoin(timing, () => overridden.next(), {
      eventDelayMs: 999,
      incrementTiming: 'after-dispatch',
      incrementDelayMs: 1,
    });
    expect(first).toEqual({
      eventDelayMs: 999,
      incrementTiming: 'after-dispatch',
      incrementDelayMs: 1,
    });
    planJoin(timing, () => plain.next());
    expect(planJoin(timing, () => overridden.next())).toEqual(planJoin(timing, () => plain.next()));
  });

  it('setInviteTiming (legacy) maps onto the join timing', () => {
    const after = legacyInviteTiming(defaultJoinTiming(), {
      incrementTiming: 'after-dispatch',
      incrementDelayMs: 50,
    });
    expect(after.incrementAfterDispatch).toEqual({
      probability: 1,
      delay: { kind: 'fixed', ms: 50 },
    });
    expect(after.incrementBeforeDispatchDelay).toEqual({ kind: 'fixed', ms: 50 });
    expect(after.eventDelay).toEqual({ kind: 'fixed', ms: 0 });
    const back = legacyInviteTiming(after, { incrementTiming: 'before-dispatch' });
    expect(back.incrementAfterDispatch.probability).toBe(0);
    expect(back.incrementBeforeDispatchDelay).toEqual({ kind: 'fixed', ms: 50 });
    expect(() => mergeJoinTiming(after, { incrementAfterDispatch: { probability: 1.5 } })).toThrow(
      SimError,
    );
  });
});
