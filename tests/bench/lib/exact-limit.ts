/**
 * The exact-share limit: how many joins of a given join sequence could ANY reactive attribution
 * strategy decide exactly by diffing invite use counts? Pure (no I/O, no timers), so benchmarks can
 * put a ceiling next to what the tracker achieved on the same workload.
 *
 * Model
 * - Join i's use is counted at `at`; its GUILD_MEMBER_ADD reaches the bot at `at + delay` (the join's
 *   `delayMs`, else `eventDelayMs`, default 0; negative = the counter moves after the event).
 * - Reactive: fetches are sent at GUILD_MEMBER_ADD arrivals (any number may be in flight). A fetch
 *   sent at s reads the counters at s + readMs and sees every use counted at or before that instant.
 *   Fetching at some later moment chosen on purpose is left out: picking it well needs to know when
 *   the next uses happen, and with that hindsight nearly every pair of joins could be separated.
 * - Budget (optional): at most `count` fetches in any sliding window of `windowMs` (the invites
 *   route: 20 per 5 s). Discord's and the simulator's buckets reset windowMs after their first
 *   request, which can let up to 2 × count through close together, so the sliding window is the
 *   stricter reading.
 * - The bot starts primed (a snapshot before the first join). Consecutive reads cut the joins,
 *   ordered by `at`, into blocks; a block is exact when all its joins used one and the same code: the
 *   diff then names the code of each of them, even of several ("luck"). A block holding a join
 *   without a code (Server Discovery, OAuth, ...) is not exact: the counts cannot say which join used
 *   no invite. With `codelessExactAlone`, a block of only code-less joins counts as exact ("none of
 *   them used an invite"). Joins after the last read are never observed, so not exact.
 * - The bot is assumed to know which joins each read covered (uses are counted in `at` order and
 *   GUILD_MEMBER_ADD carries joined_at). With varying event delays a real tracker may have to wait
 *   for, or cannot be sure of, a late event, so the limit is optimistic there.
 *
 * Optimisation
 * More reads never hurt (splitting a one-code block leaves one-code blocks), so without a budget the
 * limit is "fetch at every arrival", exact. Schedules are paths through the candidate fetches in
 * time order; an edge's value is the exact block between two consecutive reads, and the best path is
 * found in O(m) (the blocks that can be exact end in a contiguous range of earlier candidates whose
 * ends only move forward: a monotone deque). If the fewest-fetch best path fits the budget, it is
 * the answer. Otherwise "≤ count per window" is Lagrange-relaxed (one multiplier per window that
 * holds more than `count` candidates, projected subgradient steps): every relaxed optimum is a valid
 * `upperBound`, and real schedules within the budget (relaxed paths with the excess dropped, a DP
 * that only extends paths with room left, then a local search of insertions and swaps) give
 * `exact`, which is achievable. `optimal` says when the two meet; when they do not, the true limit
 * lies between them (for 5000 Poisson joins at 5/s with 50 codes: within 1 % of all joins).
 */

export type LimitJoin = {
  /** When the use is counted (ms, any origin). */
  at: number;
  /** The invite code used; null for joins that move no counter the bot reads. */
  code: string | null;
  /** GUILD_MEMBER_ADD arrival − `at` for this join; default `eventDelayMs`. */
  delayMs?: number;
};

export type LimitBudget = { count: number; windowMs: number };

export type LimitOptions = {
  /** Time from sending a fetch to the moment its counters are read (REST latency). */
  readMs: number;
  /** Default delay from the use to the GUILD_MEMBER_ADD arrival; default 0. */
  eventDelayMs?: number;
  /** Sliding-window fetch budget; none = unlimited. */
  budget?: LimitBudget | null;
  /** A block of only code-less joins counts as exact; default false. */
  codelessExactAlone?: boolean;
  /** Subgradient iterations when the budget binds; default 300. */
  iterations?: number;
};

export type LimitResult = {
  total: number;
  /** Exact joins of the best schedule found (achievable within the budget). */
  exact: number;
  /** exact / total (1 for no joins). */
  share: number;
  /** No schedule within the budget does better than this. */
  upperBound: number;
  /** exact === upperBound: `exact` is the optimum. */
  optimal: boolean;
  /** Fetch send times of the schedule behind `exact`. */
  schedule: number[];
  /** The limit without any budget (fetch at every arrival). */
  unconstrained: number;
  /** The obvious strategy: fetch at every arrival while the budget allows, skip otherwise. */
  naive: { exact: number; fetches: number };
};

/** Joins ordered by use time, with the run structure that decides which blocks are exact. */
type Prepared = {
  total: number;
  /** Use times, ascending. */
  uses: number[];
  /** runStart[p] (p = 1..n): first position of the one-code run holding position p; 0 = never exact. */
  runStart: Int32Array;
  /** Distinct arrival times, ascending: the candidate fetch times. */
  candidates: number[];
  /** cut[k]: uses seen by a fetch at candidates[k] (positions 1..cut[k]). */
  cuts: Int32Array;
};

function check(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number`);
}

function prepare(joins: readonly LimitJoin[], opts: LimitOptions): Prepared {
  check(opts.readMs, 'readMs');
  if (opts.readMs < 0) throw new RangeError('readMs must be ≥ 0');
  const defaultDelay = opts.eventDelayMs ?? 0;
  check(defaultDelay, 'eventDelayMs');
  const sorted = joins
    .map((j) => {
      check(j.at, 'join.at');
      const delay = j.delayMs ?? defaultDelay;
      check(delay, 'join.delayMs');
      return { at: j.at, code: j.code, arrival: j.at + delay };
    })
    .sort((a, b) => a.at - b.at);
  const n = sorted.length;
  const uses = sorted.map((j) => j.at);
  const runStart = new Int32Array(n + 1);
  for (let p = 1; p <= n; p++) {
    const code = sorted[p - 1]!.code;
    const valuable = code !== null || opts.codelessExactAlone === true;
    if (!valuable) continue;
    const same = p > 1 && runStart[p - 1]! > 0 && sorted[p - 2]!.code === code;
    runStart[p] = same ? runStart[p - 1]! : p;
  }
  const arrivals = sorted.map((j) => j.arrival).sort((a, b) => a - b);
  const candidates: number[] = [];
  for (const a of arrivals) if (candidates.at(-1) !== a) candidates.push(a);
  const cuts = new Int32Array(candidates.length);
  let seen = 0;
  for (let k = 0; k < candidates.length; k++) {
    const read = candidates[k]! + opts.readMs;
    while (seen < n && uses[seen]! <= read) seen++;
    cuts[k] = seen;
  }
  return { total: n, uses, runStart, candidates, cuts };
}

/** Exact joins in the block of positions (from, to]: all of it one valuable run, else 0. */
function blockValue(p: Prepared, from: number, to: number): number {
  if (to <= from) return 0;
  const start = p.runStart[to]!;
  return start > 0 && start - 1 <= from ? to - from : 0;
}

/** Exact joins for reads cutting after these positions (ascending), starting from the snapshot. */
function valueOfCuts(p: Prepared, cuts: Iterable<number>): number {
  let value = 0;
  let last = 0;
  for (const cut of cuts) {
    value += blockValue(p, last, cut);
    last = cut;
  }
  return value;
}

function fitsBudget(times: readonly number[], budget: LimitBudget | null | undefined): boolean {
  if (!budget) return true;
  for (let k = budget.count; k < times.length; k++) {
    if (times[k]! - times[k - budget.count]! < budget.windowMs) return false;
  }
  return true;
}

/**
 * Exact joins for an arbitrary fetch schedule (send times, any order; not only arrivals). For tests
 * and for scoring a real tracker's fetches against the limit.
 */
export function evaluateSchedule(
  joins: readonly LimitJoin[],
  opts: LimitOptions,
  sendTimes: readonly number[],
): number {
  const p = prepare(joins, opts);
  const reads = [...sendTimes].sort((a, b) => a - b).map((s) => s + opts.readMs);
  let seen = 0;
  const cuts: number[] = [];
  for (const read of reads) {
    while (seen < p.total && p.uses[seen]! <= read) seen++;
    cuts.push(seen);
  }
  return valueOfCuts(p, cuts);
}

/** Whether send times respect a sliding-window budget. */
export function withinBudget(sendTimes: readonly number[], budget: LimitBudget | null): boolean {
  return fitsBudget(
    [...sendTimes].sort((a, b) => a - b),
    budget,
  );
}

/**
 * Longest path over the candidates with node costs: returns the chosen candidate indices and the
 * path's value (exact joins) minus its costs. O(m): the positive edges into k come from a
 * contiguous index range (cuts ascend with time) whose ends only move forward, so a monotone deque
 * gives max(best[j] − cut[j]) over it.
 */
function longestPath(p: Prepared, cost: Float64Array): { nodes: number[]; objective: number } {
  const m = p.candidates.length;
  // Node 0 is the snapshot (cut 0, free); candidate k is node k + 1.
  const cutOf = (node: number) => (node === 0 ? 0 : p.cuts[node - 1]!);
  const best = new Float64Array(m + 1);
  const pred = new Int32Array(m + 1).fill(-1);
  let prefixBest = 0;
  let prefixArg = 0;
  const deque = new Int32Array(m + 1);
  let head = 0;
  let tail = 0;
  let lo = 0; // first node whose cut may start a block ending at the current cut
  let hi = 0; // nodes < hi have been offered to the deque
  for (let node = 1; node <= m; node++) {
    const cut = cutOf(node);
    let value = prefixBest;
    let from = prefixArg;
    const start = cut > 0 ? p.runStart[cut]! : 0;
    if (start > 0) {
      while (hi < node && cutOf(hi) < cut) {
        const score = best[hi]! - cutOf(hi);
        while (tail > head && best[deque[tail - 1]!]! - cutOf(deque[tail - 1]!) <= score) tail--;
        deque[tail++] = hi;
        hi++;
      }
      while (lo < hi && cutOf(lo) < start - 1) lo++;
      while (tail > head && deque[head]! < lo) head++;
      if (tail > head) {
        const j = deque[head]!;
        const viaBlock = best[j]! + cut - cutOf(j);
        if (viaBlock > value) {
          value = viaBlock;
          from = j;
        }
      }
    }
    best[node] = value - cost[node - 1]!;
    pred[node] = from;
    if (best[node]! > prefixBest) {
      prefixBest = best[node]!;
      prefixArg = node;
    }
  }
  const nodes: number[] = [];
  for (let node = prefixArg; node > 0; node = pred[node]!) nodes.push(node - 1);
  return { nodes: nodes.reverse(), objective: prefixBest };
}

/** Keep the fetches of `nodes` (time order) that fit the budget, dropping the ones that do not. */
function repair(p: Prepared, nodes: readonly number[], budget: LimitBudget): number[] {
  const kept: number[] = [];
  for (const k of nodes) {
    const t = p.candidates[k]!;
    const prior = kept.length - budget.count;
    if (prior < 0 || t - p.candidates[kept[prior]!]! >= budget.windowMs) kept.push(k);
  }
  return kept;
}

/** Cut of the i-th fetch of a schedule; index −1 is the snapshot (cut 0). */
function cutAt(p: Prepared, s: readonly number[], i: number): number {
  return i < 0 ? 0 : p.cuts[s[i]!]!;
}

/** Exact joins that the i-th fetch of a schedule adds (what removing it would lose). */
function contribution(p: Prepared, s: readonly number[], i: number): number {
  const prev = cutAt(p, s, i - 1);
  const own = cutAt(p, s, i);
  if (i + 1 >= s.length) return blockValue(p, prev, own);
  const next = cutAt(p, s, i + 1);
  return blockValue(p, prev, own) + blockValue(p, own, next) - blockValue(p, prev, next);
}

/**
 * Whether the windows that hold index `at` of a time-ordered schedule fit the budget, reading the
 * schedule as if index `skip` (if ≥ 0) were not there.
 */
function fitsAround(
  p: Prepared,
  s: readonly number[],
  at: number,
  budget: LimitBudget,
  skip = -1,
): boolean {
  const c = budget.count;
  const length = skip < 0 ? s.length : s.length - 1;
  const time = (k: number) => p.candidates[s[skip >= 0 && k >= skip ? k + 1 : k]!]!;
  for (let k = Math.max(c, at); k <= Math.min(length - 1, at + c); k++) {
    if (time(k) - time(k - c) < budget.windowMs) return false;
  }
  return true;
}

/**
 * Local search on a schedule that fits the budget: insert every fetch that gains and fits, or that
 * gains more than a fetch of its windows adds when swapped for it; repeat while anything changes.
 */
function polish(p: Prepared, start: readonly number[], budget: LimitBudget): number[] {
  const c = budget.count;
  const s = [...start];
  const inSchedule = new Uint8Array(p.candidates.length);
  for (const k of s) inSchedule[k] = 1;
  for (let pass = 0, changed = true; pass < 8 && changed; pass++) {
    changed = false;
    let at = 0;
    for (let x = 0; x < p.candidates.length; x++) {
      if (inSchedule[x]) continue;
      while (at < s.length && s[at]! < x) at++;
      s.splice(at, 0, x);
      const gain = contribution(p, s, at);
      let drop = -2; // −2: leave out; −1: insert; i ≥ 0: insert and remove index i
      if (gain > 0 && fitsAround(p, s, at, budget)) drop = -1;
      else if (gain > 0) {
        let bestChange = 0;
        for (let i = Math.max(0, at - c); i <= Math.min(s.length - 1, at + c); i++) {
          if (i === at) continue;
          const change = gain - contribution(p, s, i);
          if (change > bestChange && fitsAround(p, s, i < at ? at - 1 : at, budget, i)) {
            bestChange = change;
            drop = i;
          }
        }
      }
      if (drop === -2) {
        s.splice(at, 1);
        continue;
      }
      inSchedule[x] = 1;
      changed = true;
      if (drop >= 0) {
        inSchedule[s[drop]!] = 0;
        s.splice(drop, 1);
        if (drop < at) at--;
      }
    }
  }
  return s;
}

/**
 * A schedule within the budget by the longest-path DP with node costs, where each node keeps only
 * its best path and a node may only follow a predecessor whose path leaves room for it (the
 * count-th previous fetch at least windowMs earlier). Heuristic (the best path to a node need not
 * be the one that extends best) but always feasible.
 */
function feasiblePath(p: Prepared, cost: Float64Array, budget: LimitBudget): number[] {
  const m = p.candidates.length;
  const c = budget.count;
  const cutOf = (node: number) => (node === 0 ? 0 : p.cuts[node - 1]!);
  const timeOf = (node: number) => p.candidates[node - 1]!;
  const best = new Float64Array(m + 1);
  const pred = new Int32Array(m + 1).fill(-1);
  // last[node*c + i]: send time of the i-th most recent fetch of node's path (i = 0: node itself).
  const last = new Float64Array((m + 1) * c).fill(-Infinity);
  // Nodes become extendable at (c-1)-th previous fetch + windowMs; a min-heap releases them.
  const heap: number[] = [0];
  const readyAt = (node: number) => last[node * c + c - 1]! + budget.windowMs;
  const push = (node: number) => {
    heap.push(node);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (readyAt(heap[parent]!) <= readyAt(heap[i]!)) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  };
  const pop = () => {
    const top = heap[0]!;
    const tail = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = tail;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let min = i;
        if (l < heap.length && readyAt(heap[l]!) < readyAt(heap[min]!)) min = l;
        if (r < heap.length && readyAt(heap[r]!) < readyAt(heap[min]!)) min = r;
        if (min === i) break;
        [heap[min], heap[i]] = [heap[i]!, heap[min]!];
        i = min;
      }
    }
    return top;
  };
  let readyBest = -Infinity;
  let readyArg = -1;
  let overall = 0;
  let overallArg = 0;
  let lo = 0;
  for (let node = 1; node <= m; node++) {
    const t = timeOf(node);
    while (heap.length > 0 && readyAt(heap[0]!) <= t) {
      const f = pop();
      if (best[f]! > readyBest) {
        readyBest = best[f]!;
        readyArg = f;
      }
    }
    let value = readyBest;
    let from = readyArg;
    const cut = cutOf(node);
    const start = cut > 0 ? p.runStart[cut]! : 0;
    if (start > 0) {
      while (lo < node && cutOf(lo) < start - 1) lo++;
      // A heuristic anyway, so a long range (many fetches inside one run) is cut to its tail.
      for (let f = Math.max(lo, node - 64); f < node && cutOf(f) < cut; f++) {
        if (readyAt(f) > t) continue;
        const viaBlock = best[f]! + cut - cutOf(f);
        if (viaBlock > value) {
          value = viaBlock;
          from = f;
        }
      }
    }
    if (from < 0) continue; // nothing leaves room (cannot happen: the snapshot always does)
    best[node] = value - cost[node - 1]!;
    pred[node] = from;
    last[node * c] = t;
    for (let i = 1; i < c; i++) last[node * c + i] = last[from * c + i - 1]!;
    push(node);
    if (best[node]! > overall) {
      overall = best[node]!;
      overallArg = node;
    }
  }
  const nodes: number[] = [];
  for (let node = overallArg; node > 0; node = pred[node]!) nodes.push(node - 1);
  return nodes.reverse();
}

export function exactLimit(joins: readonly LimitJoin[], opts: LimitOptions): LimitResult {
  const p = prepare(joins, opts);
  const budget = opts.budget ?? null;
  if (budget) {
    if (!Number.isInteger(budget.count) || budget.count < 1)
      throw new RangeError('budget.count must be an integer ≥ 1');
    check(budget.windowMs, 'budget.windowMs');
    if (budget.windowMs <= 0) throw new RangeError('budget.windowMs must be > 0');
  }
  const m = p.candidates.length;
  const valueOf = (nodes: readonly number[]) =>
    valueOfCuts(
      p,
      nodes.map((k) => p.cuts[k]!),
    );
  const timesOf = (nodes: readonly number[]) => nodes.map((k) => p.candidates[k]!);
  const allNodes = Array.from({ length: m }, (_, k) => k);
  const unconstrained = valueOf(allNodes);

  const naiveNodes = budget ? repair(p, allNodes, budget) : allNodes;
  const naive = { exact: valueOf(naiveNodes), fetches: naiveNodes.length };
  const result = (nodes: number[], exact: number, upper: number): LimitResult => ({
    total: p.total,
    exact,
    share: p.total === 0 ? 1 : exact / p.total,
    upperBound: upper,
    optimal: exact === upper,
    schedule: timesOf(nodes),
    unconstrained,
    naive,
  });

  // A tiny cost per fetch makes the path use no fetch it does not need; its effect on the
  // objective is at most m × EPS, which the bound below adds back.
  const EPS = 1e-7;
  const minimal = longestPath(p, new Float64Array(m).fill(EPS)).nodes;
  if (!budget || fitsBudget(timesOf(minimal), budget)) {
    return result(minimal, unconstrained, unconstrained);
  }

  // Windows [candidates[j], candidates[j] + windowMs) hold nodes j..end[j]; node k lies in the
  // windows first[k]..k. Windows with at most `count` candidates can never be violated.
  const end = new Int32Array(m);
  const first = new Int32Array(m);
  for (let j = 0, e = 0; j < m; j++) {
    while (e + 1 < m && p.candidates[e + 1]! < p.candidates[j]! + budget.windowMs) e++;
    end[j] = e;
  }
  for (let k = 0, j = 0; k < m; k++) {
    while (p.candidates[j]! <= p.candidates[k]! - budget.windowMs) j++;
    first[k] = j;
  }
  const active: number[] = [];
  for (let j = 0; j < m; j++) if (end[j]! - j + 1 > budget.count) active.push(j);

  let lowerNodes = naiveNodes;
  let lower = naive.exact;
  const consider = (nodes: number[]) => {
    const kept = repair(p, nodes, budget);
    const value = valueOf(kept);
    if (value > lower || (value === lower && kept.length < lowerNodes.length)) {
      lower = value;
      lowerNodes = kept;
    }
  };
  consider(minimal);

  const mu = new Float64Array(m);
  const muPrefix = new Float64Array(m + 1);
  const cost = new Float64Array(m);
  const used = new Int32Array(m + 1);
  let upper = unconstrained;
  let theta = 1;
  let sinceImproved = 0;
  const iterations = opts.iterations ?? 300;
  for (let it = 0; it < iterations && lower < upper; it++) {
    for (let j = 0; j < m; j++) muPrefix[j + 1] = muPrefix[j]! + mu[j]!;
    for (let k = 0; k < m; k++) cost[k] = muPrefix[k + 1]! - muPrefix[first[k]!]! + EPS;
    const { nodes, objective } = longestPath(p, cost);
    // max over schedules of (value − μ·usage) ≤ objective + m·EPS; plus Σ μ_j·count.
    const bound = Math.floor(objective + m * EPS + budget.count * muPrefix[m]! + 1e-6);
    if (bound < upper) {
      upper = bound;
      sinceImproved = 0;
    } else if (++sinceImproved >= 20) {
      theta /= 2;
      sinceImproved = 0;
    }
    consider(nodes);
    consider(feasiblePath(p, cost, budget));
    if (lower >= upper) break;
    // Subgradient: count − fetches in each window (positive = slack); projected onto μ ≥ 0.
    used.fill(0);
    for (const k of nodes) used[k + 1] = 1;
    for (let k = 0; k < m; k++) used[k + 1] = used[k + 1]! + used[k]!;
    let norm = 0;
    const slack = new Float64Array(active.length);
    active.forEach((j, i) => {
      const g = budget.count - (used[end[j]! + 1]! - used[j]!);
      slack[i] = g;
      if (g < 0 || mu[j]! > 0) norm += g * g;
    });
    if (norm === 0) break; // feasible and complementary: the relaxed path is optimal
    const step = (theta * Math.max(1, objective + budget.count * muPrefix[m]! - lower)) / norm;
    active.forEach((j, i) => {
      mu[j] = Math.max(0, mu[j]! - step * slack[i]!);
    });
  }
  if (lower < upper) {
    const polished = polish(p, lowerNodes, budget);
    const value = valueOf(polished);
    if (value > lower) {
      lower = value;
      lowerNodes = polished;
    }
  }
  return result(lowerNodes, lower, Math.max(upper, lower));
}
