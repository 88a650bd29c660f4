/**
 * The attribution engine alone (pure, simulated time: seconds to run) against the model's exact
 * limit on the same Poisson arrivals, at 0.2 / 1 / 2 / 5 joins/s, 50 codes, reads 80 ms after
 * sending. Two ways Discord's latency can fall, which the engine cannot tell apart from outside:
 *
 * - `spread`: a message we post is stamped anywhere within the latency, so some stamps come early
 *   and the clock offset's lower bound is tight;
 * - `late`: every request is processed at the end of its latency (as the simulator does), so the
 *   lower bound stays 80 ms loose and joins near a fetch straddle it.
 *
 * The composed gateway's figures are in the attribution benchmark; this one shows where the gap to
 * the model comes from. BENCH_ENGINE_JOINS sets the joins per run (default 2,000).
 */
import { DEFAULT_ATTRIBUTION_CONFIG } from '../../gateway/attribution/guild-attribution';
import { World } from '../unit/helpers/attribution-world';
import { exactLimit } from './lib/exact-limit';
import { prng, round, table } from './lib/stats';
import type { BenchResult } from './run';

const JOINS = Number(process.env.BENCH_ENGINE_JOINS ?? 2000);
const CODES = 50;
const READ_MS = 80;
const RATES = [0.2, 1, 2, 5];

function runEngine(rate: number, stamps: 'spread' | 'late', countedAtJoin: boolean, seed: number) {
  const random = prng(seed);
  const world = new World({
    latencyMs: READ_MS,
    dispatchDelayMs: 5,
    incrementLagMs: 0,
    canAudit: true,
    vanityCode: null,
    fetchTiming: () => ({
      readMs: READ_MS + Math.floor(random() * 3),
      answerMs: 1 + Math.floor(random() * 3),
    }),
    stampDelay: () => (stamps === 'late' ? READ_MS : random() * READ_MS),
    random,
    config: { ...DEFAULT_ATTRIBUTION_CONFIG, countedAtJoin },
  });
  const codes = Array.from({ length: CODES }, (_, i) => `c${i}`);
  for (const [i, code] of codes.entries()) world.createInvite(code, String(1000 + (i >> 1)));
  world.prime();
  const arrivals: { at: number; code: string }[] = [];
  for (let i = 0; i < JOINS; i++) {
    world.run(Math.round(-Math.log(1 - random()) * (1000 / rate)));
    const code = codes[Math.floor(random() * CODES)]!;
    arrivals.push({ at: world.now, code });
    world.join({ code });
  }
  world.run(300_000);
  const decisions = [...world.decisions.values()];
  const budget = { count: 20, windowMs: 5000 };
  const limit = exactLimit(arrivals, { readMs: READ_MS, budget });
  // The same, with each fetch at the moment its event reached the engine (0–5 ms after the join).
  const received = exactLimit(
    arrivals.map((a, i) => ({ ...a, delayMs: (world.receivedAt(`m${i + 1}`) ?? a.at) - a.at })),
    { readMs: READ_MS, budget },
  );
  return {
    exact: (100 * decisions.filter((d) => d.outcome === 'exact').length) / JOINS,
    limit: 100 * limit.share,
    limitReceived: 100 * received.share,
    revised: (100 * new Set(world.revisions.map((r) => r.next.key)).size) / JOINS,
    wrong: world.wrongDecisions().length,
    undecided: JOINS - decisions.length,
  };
}

export async function run(log: (line: string) => void): Promise<BenchResult> {
  const rows: Record<string, unknown>[] = [];
  const figures: BenchResult = { joins_per_run: JOINS };
  for (const [stamps, countedAtJoin] of [
    ['spread', false],
    ['late', false],
    ['late', true],
  ] as const) {
    for (const rate of RATES) {
      const r = runEngine(rate, stamps, countedAtJoin, Math.round(rate * 1000) + 7);
      const name = countedAtJoin ? `${stamps}_at_join` : stamps;
      rows.push({
        stamps,
        counted_at_join: countedAtJoin,
        joins_per_s: rate,
        exact_pct: round(r.exact, 1),
        model_limit_pct: round(r.limit, 1),
        gap_pts: round(r.limit - r.exact, 1),
        limit_at_events_pct: round(r.limitReceived, 1),
        revised_pct: round(r.revised, 1),
        wrong: r.wrong,
        undecided: r.undecided,
      });
      figures[`${name}_${rate}_exact_pct`] = round(r.exact, 1);
      figures[`${name}_${rate}_limit_pct`] = round(r.limit, 1);
      figures[`${name}_${rate}_limit_at_events_pct`] = round(r.limitReceived, 1);
      figures[`${name}_${rate}_revised_pct`] = round(r.revised, 1);
      figures.wrong = Number(figures.wrong ?? 0) + r.wrong;
    }
  }
  log(`\n${table(rows)}`);
  return figures;
}
