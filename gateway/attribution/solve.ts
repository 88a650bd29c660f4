/**
 * The decisions an episode's facts allow, recomputed from scratch whenever a fact arrives. Pure.
 *
 * Facts: the joins received (each with when its use can have been counted: not before `lo`, not
 * after `hi`), and the invite fetches since the episode's baseline (each read the counters at some
 * moment between being sent and being answered, and gives the uses counted since the baseline).
 *
 * A fetch is a **cut** when every join we know is certainly counted by it (`hi` before it was sent)
 * or certainly not (`lo` after it was answered): then we know exactly which joins its uses belong to.
 * (When the fetch's uses match every join that may be in it, all of those are in it: a cut too.)
 * A cut is usable once no unknown join can still belong to it: its uses do not exceed the joins
 * counted by it ("count-aware": decide as soon as the counts agree), or the event window has passed
 * since its answer (every event whose use it counted has arrived). Consecutive usable cuts enclose a
 * **block** whose joins used exactly the block's uses, decided by decide.ts.
 *
 * Deciding when the counts agree is as early as the facts allow; if a join then arrives whose use the
 * cut may have counted, the next solve sees it and the affected decisions change (the engine records
 * that as a revision).
 */
import {
  candidateOf,
  certainUnits,
  decideBlock,
  decision,
  subtractUnits,
  unresolvedVanished,
} from './decide';
import type { CodeLookup, VanishedVerdict } from './decide';
import { sumUnits, type SnapshotDiff } from './diff';
import type { Candidate, Decision, PendingJoin } from './types';

export type EpisodeJoin = PendingJoin & {
  /** Discord's `joined_at` in epoch ms (Discord's clock). */
  joinedAtMs: number;
};

export type EpisodeFetch = {
  /** When the request left (every use counted before this is in it). */
  sentAt: number;
  /** When its answer arrived (no use counted after this is in it). */
  answeredAt: number;
  /** Uses since the episode's baseline. */
  diff: SnapshotDiff;
  /** Closed without proof after an endless burst (see guild-attribution's maxBatchAgeMs). */
  forced?: boolean;
};

export type SolveWindows = {
  /** Events arrive within this after their use was counted. */
  eventMs: number;
  /** A use is counted at most this long after its event. */
  lagMs: number;
  /** Our clock minus Discord's: at most this, or null when not known yet. */
  offsetMs: number | null;
  /** Our clock minus Discord's: at least this, or null when not known yet. */
  offsetLowMs: number | null;
  /** Without a lower bound, the upper one less this is taken as the offset's least value. */
  clockMarginMs: number;
  /**
   * A join whose block showed fewer uses than joins may have a use that is counted late: it stays a
   * claimant of uses counted up to this long after its event.
   */
  claimMs: number;
};

export type SolveInput = CodeLookup & {
  joins: readonly EpisodeJoin[];
  fetches: readonly EpisodeFetch[];
  verdicts: ReadonlyMap<string, VanishedVerdict>;
  windows: SolveWindows;
  now: number;
  /** Whether an audit-log check may be asked for (View Audit Log, not refused lately). */
  mayAudit: boolean;
  /** Joins that saw no counted use in an earlier solve: claimants for `windows.claimMs`. */
  claims?: ReadonlySet<string>;
  /**
   * A join no cut has settled this long after it arrived (at least two event windows) is decided
   * from the fetches around it: ambiguous among the codes counted between them (see burstBrackets).
   * Absent: joins wait for a cut however long it takes.
   */
  burstDecideMs?: number;
  /** Joins received between a join's bracket fetches that make it a burst (with burstDecideMs). */
  burstJoins: number;
  /**
   * Discord counts every use the moment its member joins, so counters move in `joined_at` order:
   * then the uses a straddled fetch saw say which joins it counted (see countedInJoinOrder).
   */
  countedAtJoin?: boolean;
};

export type SolveResult = {
  decisions: Map<string, Decision>;
  /** Keys of joins no usable cut covers yet. */
  undecided: string[];
  /** A cut becomes usable by time then. */
  waitUntil: number | null;
  /** Undecided joins need a fetch sent at or after this time (null: no fetch needed). */
  fetchAfter: number | null;
  /** Vanished invites whose audit-log verdict a block is waiting for. */
  audit: string[] | null;
  /**
   * A block with fewer uses than joins followed by one with more: the footprint of uses counted
   * after their events (or of a lost event next to a Discovery join).
   */
  lagSignature: { deficit: EpisodeJoin[]; surplusSentAt: number } | null;
  /** A join that showed no use at a fetch sent after its event turned out to have used a counter. */
  countedLate: boolean;
  /** The usable cuts, oldest first: the fetch and the joins counted by it. */
  cuts: { fetch: EpisodeFetch; counted: ReadonlySet<string> }[];
  /** Joins in blocks with fewer uses than joins (not closed by force), missed ones included. */
  deficit: EpisodeJoin[];
  /** An undecided join's burst deadline passes then (see `burstDecideMs`). */
  burstAt: number | null;
};

/** The latest a GUILD_MEMBER_ADD is guarded against (the property test's late events go to 5 s). */
const LOST_EVENT_MAX_DELAY_MS = 5000;

export function joinInterval(
  join: EpisodeJoin,
  w: SolveWindows,
  claimant = false,
): { lo: number; hi: number } {
  // A join found after a lost session was "received" when the member list was read, which may be
  // before its event would have reached us; how late that event would have been nobody measured,
  // so its late count is allowed for from the latest such an event is guarded against.
  const eventAt =
    join.missed && w.offsetMs !== null && Number.isFinite(join.joinedAtMs)
      ? Math.max(
          join.receivedAt,
          join.joinedAtMs + w.offsetMs + Math.max(w.eventMs, LOST_EVENT_MAX_DELAY_MS),
        )
      : join.receivedAt;
  const hi = eventAt + (claimant ? Math.max(w.lagMs, w.claimMs) : w.lagMs);
  // The use was counted at the join, on Discord's clock: on ours, not before joined_at plus the
  // least the offset can be. Only a lower bound on the offset proves that. Before one is known,
  // the upper bound less a margin is a guess (it assumes the fastest event seen was quick, and a
  // few slow first events break that): the event window bounds it too, whichever is earlier.
  const fallback = join.receivedAt - w.eventMs;
  const known = Number.isFinite(join.joinedAtMs);
  let lo = fallback;
  if (known && w.offsetLowMs !== null) lo = join.joinedAtMs + w.offsetLowMs;
  else if (known && w.offsetMs !== null)
    lo = Math.min(fallback, join.joinedAtMs + w.offsetMs - w.clockMarginMs);
  return { lo: Math.min(lo, hi), hi };
}

type Cut = { fetch: EpisodeFetch | null; counted: Set<string>; units: Map<string, number> };

type Bracket = { deadline: number; decision: Decision };

/** Joins received within this of a join (either side) that make it part of a burst. */
export const BURST_SPAN_MS = 500;

/**
 * During a burst, fetches rarely cut (joins straddle every one of them), and waiting for the burst to
 * end keeps every join open for as long as it lasts. Each join still has a bracket: the newest fetch
 * that certainly did not count its use (answered before the use's earliest moment, which only a
 * proven lower bound of the clock offset places) and the first that certainly did (sent after its
 * event plus the longest lag a claimant is allowed). Its code is one of those counted between them,
 * or of an invite gone between them. A burst's join (`burstJoins` or more received within
 * BURST_SPAN_MS of it) is decided from its bracket: ambiguous among those codes, naming no inviter,
 * correct whatever the burst's other joins did. It waits for its bracket (a cut alone would decide
 * it, and the bracket then contradict that), then for a cut that names its code, at most
 * `burstDecideMs` after it arrived (and two event windows).
 *
 * Returns the brackets, and the burst's joins still waiting for one (`held`).
 */
function burstBrackets(
  input: SolveInput,
  intervals: ReadonlyMap<string, { lo: number; hi: number }>,
): { brackets: Map<string, Bracket>; held: Map<string, number> } {
  const brackets = new Map<string, Bracket>();
  const held = new Map<string, number>();
  const { windows } = input;
  if (input.burstDecideMs === undefined) return { brackets, held };
  const wait = Math.max(input.burstDecideMs, 2 * windows.eventMs);
  const received = input.joins.map((j) => j.receivedAt).sort((a, b) => a - b);
  // Cumulative uses per fetch, in send order; counters never go back.
  const ordered = [...input.fetches].sort((a, b) => a.sentAt - b.sentAt);
  let running: ReadonlyMap<string, number> = new Map();
  const units = ordered.map((fetch) => (running = unitsAtLeast(fetch, input.verdicts, running)));
  // Running maximum: answers come in send order, and if one ever did not, an earlier fetch is safe.
  let latest = -Infinity;
  const answeredBy = ordered.map((f) => (latest = Math.max(latest, f.answeredAt)));
  // Joins share brackets (a raid's thousands fall between a few dozen fetches): candidates per pair.
  const byPair = new Map<string, Candidate[] | null>();
  const candidatesOf = (first: number, last: number): Candidate[] | null => {
    const key = `${first}:${last}`;
    if (byPair.has(key)) return byPair.get(key)!;
    let found: Candidate[] | null = null;
    // An invite gone since the earlier fetch took its unseen uses with it: any may be this join's.
    const goneAfter = ordered[last]!.diff.gone;
    const goneBefore = first === -1 ? new Set<string>() : ordered[first]!.diff.gone;
    // (Fetches restored from before gone codes were kept cannot bracket.)
    if (goneAfter && goneBefore) {
      const codes = new Set(
        subtractUnits(units[last]!, first === -1 ? new Map() : units[first]!).keys(),
      );
      for (const code of goneAfter) if (!goneBefore.has(code)) codes.add(code);
      for (const code of ordered[last]!.diff.vanished.keys()) codes.add(code);
      if (codes.size > 0) found = [...codes].sort().map((code) => candidateOf(code, input));
    }
    byPair.set(key, found);
    return found;
  };
  // The claimant's latest moment: the interval's end with the claim in place of the lag.
  const claimExtra = Math.max(windows.lagMs, windows.claimMs) - windows.lagMs;
  for (const join of input.joins) {
    const around = countIn(
      received,
      join.receivedAt - BURST_SPAN_MS - 1,
      join.receivedAt + BURST_SPAN_MS,
    );
    if (around < input.burstJoins) continue;
    const interval = intervals.get(join.key)!;
    const hi = input.claims?.has(join.key) ? interval.hi : interval.hi + claimExtra;
    const last = ordered.findIndex((f) => f.sentAt >= hi);
    const lo = windows.offsetLowMs === null ? -Infinity : interval.lo;
    // The newest fetch answered before the use's earliest moment.
    const first = last === -1 ? -1 : Math.min(last, countIn(answeredBy, -Infinity, lo - 1e-9)) - 1;
    const candidates = last === -1 ? null : candidatesOf(first, last);
    if (candidates === null) {
      held.set(join.key, hi);
      continue;
    }
    brackets.set(join.key, {
      deadline: Math.max(join.receivedAt + wait, ordered[last]!.answeredAt),
      decision: decision(join, 'ambiguous', 'burst_unsettled', { candidates }),
    });
  }
  return { brackets, held };
}

/** A fetch's certain units, none below an earlier fetch's: counters never go back. */
function unitsAtLeast(
  fetch: EpisodeFetch,
  verdicts: ReadonlyMap<string, VanishedVerdict>,
  floor: ReadonlyMap<string, number>,
): Map<string, number> {
  const units = certainUnits(fetch.diff, verdicts);
  for (const [code, n] of floor) if ((units.get(code) ?? 0) < n) units.set(code, n);
  return units;
}

/** How many of the sorted `values` lie in (from, to]. */
function countIn(values: readonly number[], from: number, to: number): number {
  const upTo = (x: number) => {
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return Math.max(0, upTo(to) - upTo(from));
}

/**
 * The joins since the previous cut that a straddled fetch counted, when Discord counts each use at
 * its join (`countedAtJoin`): counters then move in `joined_at` order, so a fetch counted a prefix of
 * the joins in that order, as long as each of them moved a counter. A later fetch proves that: one
 * sent after this one was answered, that settles every join since the previous cut, and whose uses
 * since then are as many as those joins. This fetch's uses since the previous cut then say how long
 * the prefix is. Null when no such fetch exists yet, when two joins at the prefix's end share a
 * `joined_at`, or when the prefix contradicts what the clock says about a join (a use counted
 * after its join: the assumption does not hold here).
 *
 * A join whose event is still on the way can stand in for one that moved no counter; its arrival
 * breaks the proof and revises, as with any count-aware decision. A use counted after its event
 * leaves no such trace, which is why this is an assumption the operator opts into.
 */
function countedInJoinOrder(
  input: SolveInput,
  at: { ordered: readonly EpisodeFetch[]; index: number; units: Map<string, number> },
  prev: Cut,
  block: readonly number[],
  bounds: { los: Float64Array; his: Float64Array },
  settles: (index: number) => boolean,
): Set<string> | null {
  const { joins } = input;
  const { ordered, index, units } = at;
  const { los, his } = bounds;
  const fetch = ordered[index]!;
  // The previous cut's joins are counted by this fetch and every later one.
  if (prev.fetch && fetch.sentAt < prev.fetch.answeredAt) return null;
  if (block.some((i) => joins[i]!.missed || !Number.isFinite(joins[i]!.joinedAtMs))) return null;
  let proof = -1;
  for (let i = index + 1; i < ordered.length && proof < 0; i++) {
    const later = ordered[i]!;
    if (!later.forced && later.sentAt >= fetch.answeredAt && settles(i)) proof = i;
  }
  if (proof < 0) return null;
  const proven = block.filter((i) => his[i]! <= ordered[proof]!.sentAt);
  const since = sumUnits(prev.units);
  const later = unitsAtLeast(ordered[proof]!, input.verdicts, units);
  if (sumUnits(later) - since !== proven.length) return null;
  const k = sumUnits(units) - since;
  if (k < 0 || k > proven.length) return null;
  const byJoin = proven.map((i) => joins[i]!).sort((a, b) => a.joinedAtMs - b.joinedAtMs);
  if (k > 0 && k < byJoin.length && byJoin[k - 1]!.joinedAtMs === byJoin[k]!.joinedAtMs)
    return null;
  const counted = new Set(byJoin.slice(0, k).map((j) => j.key));
  for (const i of block) {
    const inPrefix = counted.has(joins[i]!.key);
    if (inPrefix ? los[i]! > fetch.answeredAt : his[i]! <= fetch.sentAt) return null;
  }
  return counted;
}

export function solve(input: SolveInput): SolveResult {
  const { joins, fetches, verdicts, windows, now } = input;
  const intervals = new Map(
    joins.map((j) => [j.key, joinInterval(j, windows, input.claims?.has(j.key))]),
  );
  const decisions = new Map<string, Decision>();
  const result: SolveResult = {
    decisions,
    undecided: [],
    waitUntil: null,
    fetchAfter: null,
    audit: null,
    lagSignature: null,
    countedLate: false,
    cuts: [],
    deficit: [],
    burstAt: null,
  };
  const { brackets, held } = burstBrackets(input, intervals);
  let prev: Cut = { fetch: null, counted: new Set(), units: new Map() };
  let deficit: EpisodeJoin[] = [];

  // The intervals as arrays: the loop below reads them for every fetch (a raid: thousands of joins).
  const los = Float64Array.from(joins, (j) => intervals.get(j.key)!.lo);
  const his = Float64Array.from(joins, (j) => intervals.get(j.key)!.hi);
  const ordered = [...fetches].sort((a, b) => a.sentAt - b.sentAt);
  // For countedInJoinOrder, per previous cut: the joins since it, and which fetches settle them all
  // (each certainly counted or certainly not); computed once per cut, a raid straddles dozens.
  let since: { block: number[]; settles: Map<number, boolean> } | null = null;
  const settles = (k: number) => {
    const known = since!.settles.get(k);
    if (known !== undefined) return known;
    const f = ordered[k]!;
    const all = since!.block.every((i) => his[i]! <= f.sentAt || los[i]! > f.answeredAt);
    since!.settles.set(k, all);
    return all;
  };
  for (const [index, fetch] of ordered.entries()) {
    // Joins a usable cut already placed are counted by every later fetch that began after it ended.
    const canPlace = prev.fetch !== null && fetch.sentAt >= prev.fetch.answeredAt;
    const isCounted = (i: number) =>
      his[i]! <= fetch.sentAt || (canPlace && prev.counted.has(joins[i]!.key));
    // Counted first, without building lists: most fetches of a burst cannot cut.
    let nCounted = 0;
    let nMaybe = 0;
    for (let i = 0; i < joins.length; i++) {
      if (isCounted(i)) nCounted += 1;
      else if (los[i]! <= fetch.answeredAt) nMaybe += 1;
    }
    // Counters never go back: a code the baseline did not list and that vanished since an earlier
    // cut (expired, or created and lost across a restart) keeps the uses that cut saw.
    const units = unitsAtLeast(fetch, verdicts, prev.units);
    const total = sumUnits(units);
    let inCut: EpisodeJoin[];
    if (!fetch.forced && nMaybe > 0 && total !== nCounted + nMaybe) {
      // Straddled: no cut, unless the order of the joins says which of them it counted. Not in a
      // burst: dozens of joins straddle each fetch, and the bracket decides them within seconds.
      const byOrder = input.countedAtJoin === true && nMaybe < input.burstJoins;
      if (byOrder && since === null) {
        const block = joins.flatMap((j, i) => (prev.counted.has(j.key) ? [] : [i]));
        since = { block, settles: new Map() };
      }
      const inOrder = byOrder
        ? countedInJoinOrder(
            input,
            { ordered, index, units },
            prev,
            since!.block,
            { los, his },
            settles,
          )
        : null;
      if (!inOrder) continue;
      inCut = joins.filter((j) => inOrder.has(j.key) || prev.counted.has(j.key));
    } else {
      const counted: EpisodeJoin[] = [];
      const maybe: EpisodeJoin[] = [];
      for (let i = 0; i < joins.length; i++) {
        if (isCounted(i)) counted.push(joins[i]!);
        else if (los[i]! <= fetch.answeredAt) maybe.push(joins[i]!);
      }
      inCut = [...counted, ...maybe];
    }
    const keys = new Set(inCut.map((j) => j.key));
    // A forced fetch closes whatever it covers, naming no one: it must not be skipped.
    if (!fetch.forced && ![...prev.counted].every((k) => keys.has(k))) continue;
    for (const k of prev.counted) keys.add(k);

    const byTime = now >= fetch.answeredAt + windows.eventMs;
    const blockJoins = inCut.filter((j) => !prev.counted.has(j.key));
    // A claimant's block with a use in it: the use may be the claimant's late count, or that of a
    // join whose event is still on the way. Only the event window tells them apart.
    const claimed =
      sumUnits(subtractUnits(units, prev.units)) > 0 &&
      blockJoins.some((j) => input.claims?.has(j.key));
    if (!fetch.forced && !byTime && (total > keys.size || claimed)) {
      // More uses than joins so far (or a claimed use): events are still on the way.
      result.waitUntil = fetch.answeredAt + windows.eventMs;
      break;
    }
    const blockUnits = subtractUnits(units, prev.units);
    const prevDiff = prev.fetch?.diff ?? null;
    const firstMissed = [...fetch.diff.vanished.keys()].filter(
      (code) => !prevDiff?.vanished.has(code),
    );
    const blockTotal = sumUnits(blockUnits);
    if (
      !fetch.forced &&
      blockTotal < blockJoins.length &&
      input.mayAudit &&
      firstMissed.some((code) => unresolvedVanished(fetch.diff, verdicts).includes(code))
    ) {
      result.audit = unresolvedVanished(fetch.diff, verdicts).filter((c) =>
        firstMissed.includes(c),
      );
      break;
    }
    if (!fetch.forced && blockTotal > blockJoins.length && deficit.length > 0) {
      result.lagSignature ??= { deficit, surplusSentAt: fetch.sentAt };
    }
    // A claimant whose block has a use for every join: it moved a counter after all, late.
    if (!fetch.forced && claimed && blockTotal >= blockJoins.length) result.countedLate = true;
    if (!fetch.forced && blockTotal < blockJoins.length) {
      deficit = [...deficit, ...blockJoins];
      result.deficit.push(...blockJoins);
    }
    if (blockJoins.length > 0) {
      const vanished = new Map(
        firstMissed.map((code) => {
          const v = fetch.diff.vanished.get(code)!;
          const verdict = v.confirmable ? verdicts.get(code) : undefined;
          return [code, { open: verdict === undefined, consumed: verdict === 'consumed' }];
        }),
      );
      const block = { joins: blockJoins, units: blockUnits, vanished, forced: !!fetch.forced };
      for (const d of decideBlock(block, input)) {
        if (held.has(d.key)) continue;
        // A burst's join keeps its bracket's decision unless the cut names its code: the bracket's
        // codes are as true and fewer, and the cut may yet be broken by a late event.
        const early = brackets.get(d.key);
        decisions.set(
          d.key,
          early && d.outcome !== 'exact' && d.outcome !== 'vanity' ? early.decision : d,
        );
      }
    }
    prev = { fetch, counted: keys, units };
    since = null;
    result.cuts.push({ fetch, counted: keys });
  }

  const last = fetches.reduce<EpisodeFetch | null>(
    (latest, f) => (latest === null || f.sentAt > latest.sentAt ? f : latest),
    null,
  );
  let heldFetch = Infinity;
  for (const join of joins) {
    if (decisions.has(join.key)) continue;
    const early = brackets.get(join.key);
    if (early && now >= early.deadline) {
      decisions.set(join.key, early.decision);
      continue;
    }
    if (early) result.burstAt = Math.min(result.burstAt ?? Infinity, early.deadline);
    result.undecided.push(join.key);
    // A burst's join waits for a fetch that brackets it; the oldest one's comes first (the burst's
    // newest joins would otherwise put every fetch off while it lasts).
    const bracketAt = held.get(join.key);
    if (bracketAt !== undefined) {
      heldFetch = Math.min(heldFetch, bracketAt);
      continue;
    }
    const { hi } = intervals.get(join.key)!;
    // Not certainly counted by the newest fetch: a later one must be sent after its use can count.
    if (last === null || hi > last.sentAt) {
      result.fetchAfter = Math.max(result.fetchAfter ?? -Infinity, hi);
    }
  }
  if (heldFetch !== Infinity)
    result.fetchAfter = Math.max(result.fetchAfter ?? -Infinity, heldFetch);
  if (
    result.undecided.length > 0 &&
    result.fetchAfter === null &&
    result.waitUntil === null &&
    result.audit === null
  ) {
    // Every undecided join is in the newest fetch, yet no cut holds: ask again.
    result.fetchAfter = now;
  }
  return result;
}
