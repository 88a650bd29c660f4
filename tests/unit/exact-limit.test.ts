import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateSchedule,
  exactLimit,
  withinBudget,
  type LimitBudget,
  type LimitJoin,
  type LimitOptions,
} from '../bench/lib/exact-limit';
import { prng } from '../bench/lib/stats';

const INVITES = { count: 20, windowMs: 5000 }; // Discord's GET /guilds/:id/invites bucket

/**
 * The model written out directly, join by join, as an oracle independent of the module's
 * cut/run bookkeeping: join i is exact iff the first read at or after its use exists and every join
 * between the previous read and that one used the same (non-null) code.
 */
function referenceValue(joins: readonly LimitJoin[], opts: LimitOptions, sends: number[]): number {
  const reads = [...sends].sort((a, b) => a - b).map((s) => s + opts.readMs);
  let exact = 0;
  for (const join of joins) {
    const sees = reads.findIndex((r) => join.at <= r);
    if (sees < 0 || join.code === null) continue;
    const from = sees === 0 ? -Infinity : reads[sees - 1]!;
    const block = joins.filter((j) => j.at > from && j.at <= reads[sees]!);
    if (block.every((j) => j.code === join.code)) exact++;
  }
  return exact;
}

function slidingOk(sends: number[], budget: LimitBudget): boolean {
  return sends.every(
    (t) => sends.filter((u) => u >= t && u < t + budget.windowMs).length <= budget.count,
  );
}

function arrivals(joins: readonly LimitJoin[], opts: LimitOptions): number[] {
  return [...new Set(joins.map((j) => j.at + (j.delayMs ?? opts.eventDelayMs ?? 0)))].sort(
    (a, b) => a - b,
  );
}

/** Best schedule by trying every subset of arrival times (small instances only). */
function bruteForce(joins: readonly LimitJoin[], opts: LimitOptions): number {
  const times = arrivals(joins, opts);
  let best = 0;
  for (let mask = 0; mask < 1 << times.length; mask++) {
    const sends = times.filter((_, i) => mask & (1 << i));
    if (opts.budget && !slidingOk(sends, opts.budget)) continue;
    best = Math.max(best, referenceValue(joins, opts, sends));
  }
  return best;
}

function poisson(ratePerSecond: number, n: number, codes: number, seed: number): LimitJoin[] {
  const random = prng(seed);
  const joins: LimitJoin[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += (-Math.log(1 - random()) * 1000) / ratePerSecond;
    joins.push({ at: t, code: `c${Math.floor(random() * codes)}` });
  }
  return joins;
}

describe('exactLimit: hand-built timelines', () => {
  const read80 = { readMs: 80 };

  it('two joins 50 ms apart with different codes and an 80 ms read: neither is exact', () => {
    const joins = [
      { at: 0, code: 'a' },
      { at: 50, code: 'b' },
    ];
    expect(exactLimit(joins, read80)).toMatchObject({ exact: 0, total: 2, share: 0 });
  });

  it('200 ms apart: both exact; 50 ms apart with the same code: both exact by luck', () => {
    expect(
      exactLimit(
        [
          { at: 0, code: 'a' },
          { at: 200, code: 'b' },
        ],
        read80,
      ),
    ).toMatchObject({ exact: 2, share: 1, optimal: true });
    expect(
      exactLimit(
        [
          { at: 0, code: 'a' },
          { at: 50, code: 'a' },
        ],
        read80,
      ).exact,
    ).toBe(2);
  });

  it('an event delay adds to the read: 200 ms apart with 150 ms delay is not enough, unless per join', () => {
    const joins = [
      { at: 0, code: 'a' },
      { at: 200, code: 'b' },
    ];
    expect(exactLimit(joins, { readMs: 80, eventDelayMs: 150 }).exact).toBe(0);
    // The first event arrives at once: its read (80 ms) separates the two.
    expect(
      exactLimit([{ ...joins[0]!, delayMs: 0 }, joins[1]!], { readMs: 80, eventDelayMs: 150 })
        .exact,
    ).toBe(2);
  });

  it('a counter that moves after the event is missed by the read that event triggered', () => {
    expect(exactLimit([{ at: 100, code: 'a', delayMs: -100 }], read80).exact).toBe(0);
    expect(exactLimit([{ at: 100, code: 'a', delayMs: -50 }], read80).exact).toBe(1);
  });

  it('code-less joins spoil their block; alone they count only with codelessExactAlone', () => {
    const near = [
      { at: 0, code: 'a' },
      { at: 50, code: null },
    ];
    const apart = [
      { at: 0, code: 'a' },
      { at: 500, code: null },
    ];
    expect(exactLimit(near, read80).exact).toBe(0);
    expect(exactLimit(apart, read80).exact).toBe(1);
    expect(exactLimit(apart, { ...read80, codelessExactAlone: true }).exact).toBe(2);
    expect(exactLimit(near, { ...read80, codelessExactAlone: true }).exact).toBe(0);
  });

  it('with a binding budget, skipping the right fetch beats fetching while allowed', () => {
    // Reads at 80 and 90 both see x and y; only the fetch at 500 isolates z.
    const joins = [
      { at: 0, code: 'x' },
      { at: 10, code: 'y' },
      { at: 500, code: 'z' },
    ];
    const result = exactLimit(joins, { readMs: 80, budget: { count: 2, windowMs: 1000 } });
    expect(result).toMatchObject({ exact: 1, upperBound: 1, optimal: true, unconstrained: 1 });
    expect(result.naive).toEqual({ exact: 0, fetches: 2 });
    expect(result.schedule).toContain(500);
    expect(exactLimit(joins, { readMs: 80, budget: { count: 1, windowMs: 1000 } }).exact).toBe(0);
  });

  it('the sliding window is half-open: a fetch exactly windowMs after another is allowed', () => {
    const budget = { count: 1, windowMs: 1000 };
    const at = (second: number) => [
      { at: 0, code: 'a' },
      { at: second, code: 'b' },
    ];
    expect(exactLimit(at(1000), { readMs: 0, budget }).exact).toBe(2);
    expect(exactLimit(at(999), { readMs: 0, budget })).toMatchObject({ exact: 1, upperBound: 1 });
    expect(withinBudget([0, 1000], budget)).toBe(true);
    expect(withinBudget([999, 0], budget)).toBe(false);
  });

  it('no joins: share 1; bad options are refused', () => {
    expect(exactLimit([], read80)).toMatchObject({ exact: 0, total: 0, share: 1 });
    expect(() => exactLimit([{ at: 0, code: 'a' }], { readMs: -1 })).toThrow(RangeError);
    expect(() => exactLimit([{ at: Number.NaN, code: 'a' }], read80)).toThrow(RangeError);
    expect(() =>
      exactLimit([{ at: 0, code: 'a' }], { readMs: 80, budget: { count: 0, windowMs: 5000 } }),
    ).toThrow(RangeError);
  });
});

describe('exactLimit against exhaustive search', () => {
  const smallJoins = fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: 3000 }),
      code: fc.constantFrom('a', 'b', 'c', null),
      delayMs: fc.option(fc.integer({ min: -40, max: 150 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 11 },
  );
  const options = fc.record({
    readMs: fc.integer({ min: 0, max: 200 }),
    eventDelayMs: fc.integer({ min: 0, max: 100 }),
    budget: fc.option(
      fc.record({
        count: fc.integer({ min: 1, max: 3 }),
        windowMs: fc.integer({ min: 100, max: 2000 }),
      }),
      { nil: null },
    ),
  });

  it('the schedule is real (within budget, scored as claimed) and brackets the true optimum', () => {
    let optimal = 0;
    let runs = 0;
    fc.assert(
      fc.property(smallJoins, options, (joins, opts) => {
        const result = exactLimit(joins, opts);
        const best = bruteForce(joins, opts);
        if (opts.budget) expect(slidingOk(result.schedule, opts.budget)).toBe(true);
        expect(referenceValue(joins, opts, result.schedule)).toBe(result.exact);
        expect(evaluateSchedule(joins, opts, result.schedule)).toBe(result.exact);
        expect(result.exact).toBeLessThanOrEqual(best);
        expect(result.upperBound).toBeGreaterThanOrEqual(best);
        expect(result.unconstrained).toBe(referenceValue(joins, opts, arrivals(joins, opts)));
        if (!opts.budget) expect(result.exact).toBe(best);
        if (result.optimal) expect(result.exact).toBe(best);
        runs++;
        if (result.exact === best) optimal++;
      }),
      { seed: 20250101, numRuns: 300 },
    );
    // The search is a bound plus heuristics; on small instances it should nearly always be exact.
    expect(optimal / runs).toBeGreaterThan(0.95);
  });
});

describe('exactLimit on Poisson joins (50 codes, 80 ms read, no event delay, 20 per 5 s)', () => {
  it('matches e^(−2λr) plus same-code luck where the budget does not bind', () => {
    for (const rate of [0.2, 1]) {
      const result = exactLimit(poisson(rate, 5000, 50, 42), { readMs: 80, budget: INVITES });
      const isolated = Math.exp((-rate * 80) / 1000);
      // Each side is cut by the reads or lucky (same code as the neighbour, 1 in 50).
      const expected = (isolated + (1 - isolated) / 50) ** 2;
      expect(result.optimal).toBe(true);
      expect(result.exact).toBe(result.unconstrained);
      expect(Math.abs(result.share - expected)).toBeLessThan(0.01);
    }
  });

  it('about 97 / 86 / 75 % at 0.2 / 1 / 2 joins/s, and 47–49 % at 5/s where naive fetching gets 34 %', () => {
    const run = (rate: number) =>
      exactLimit(poisson(rate, 5000, 50, 42), { readMs: 80, budget: INVITES });
    const [slow, one, two, five] = [run(0.2), run(1), run(2), run(5)];
    expect(slow.share).toBeCloseTo(0.97, 2);
    expect(one.share).toBeCloseTo(0.86, 2);
    expect(two.share).toBeCloseTo(0.75, 2);
    expect([slow, one, two].every((r) => r.optimal)).toBe(true);
    // At 5/s the budget binds: the optimum lies in [exact, upperBound].
    expect(five.optimal).toBe(false);
    expect(five.share).toBeGreaterThan(0.46);
    expect(five.upperBound / five.total).toBeLessThan(0.49);
    expect(five.upperBound).toBeLessThan(five.unconstrained);
    expect(five.naive.exact / five.total).toBeLessThan(0.36);
  });

  it('only delay + read matters for a constant delay', () => {
    const joins = poisson(2, 3000, 50, 7);
    const delayed = exactLimit(joins, { readMs: 80, eventDelayMs: 120, budget: INVITES });
    const slowRead = exactLimit(joins, { readMs: 200, budget: INVITES });
    expect(delayed.exact).toBe(slowRead.exact);
    expect(delayed.share).toBeLessThan(exactLimit(joins, { readMs: 80, budget: INVITES }).share);
  });

  it('handles a 10,000-join raid (200/s) with a bound', () => {
    const raid = exactLimit(poisson(200, 10_000, 50, 3), { readMs: 80, budget: INVITES });
    expect(raid.total).toBe(10_000);
    expect(withinBudget(raid.schedule, INVITES)).toBe(true);
    expect(raid.schedule.length).toBeLessThanOrEqual(20 * Math.ceil(60_000 / 5000) + 20);
    expect(raid.exact).toBeLessThanOrEqual(raid.upperBound);
    expect(raid.upperBound / raid.total).toBeLessThan(0.05);
  });
});
