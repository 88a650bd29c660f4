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
import { decideBlock, certainUnits, subtractUnits, unresolvedVanished } from './decide';
import type { Block, CodeLookup, VanishedVerdict } from './decide';
import { sumUnits, type SnapshotDiff } from './diff';
import type { Decision, PendingJoin } from './types';

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
  /** The usable cuts, oldest first: the fetch and the joins counted by it. */
  cuts: { fetch: EpisodeFetch; counted: ReadonlySet<string> }[];
  /** Joins in blocks with fewer uses than joins (not closed by force, not found after downtime). */
  deficit: EpisodeJoin[];
};

export function joinInterval(
  join: EpisodeJoin,
  w: SolveWindows,
  claimant = false,
): { lo: number; hi: number } {
  const hi = join.receivedAt + (claimant ? Math.max(w.lagMs, w.claimMs) : w.lagMs);
  // The use was counted at the join, on Discord's clock: on ours, not before joined_at plus the
  // least the offset can be. Without any clock facts, only the event window bounds it.
  const least = w.offsetLowMs ?? (w.offsetMs === null ? null : w.offsetMs - w.clockMarginMs);
  const lo =
    least === null || !Number.isFinite(join.joinedAtMs)
      ? join.receivedAt - w.eventMs
      : join.joinedAtMs + least;
  return { lo: Math.min(lo, hi), hi };
}

type Cut = { fetch: EpisodeFetch | null; counted: Set<string>; units: Map<string, number> };

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
    cuts: [],
    deficit: [],
  };
  let prev: Cut = { fetch: null, counted: new Set(), units: new Map() };
  let deficit: EpisodeJoin[] = [];
  /** Fetches since the last usable cut that could not cut on their own. */
  let between: EpisodeFetch[] = [];

  for (const fetch of [...fetches].sort((a, b) => a.sentAt - b.sentAt)) {
    // Joins a usable cut already placed are counted by every later fetch that began after it ended.
    const placed = (key: string) =>
      prev.counted.has(key) && prev.fetch !== null && fetch.sentAt >= prev.fetch.answeredAt;
    const counted: EpisodeJoin[] = [];
    const maybe: EpisodeJoin[] = [];
    for (const join of joins) {
      const { lo, hi } = intervals.get(join.key)!;
      if (placed(join.key) || hi <= fetch.sentAt) counted.push(join);
      else if (lo <= fetch.answeredAt) maybe.push(join);
    }
    const units = certainUnits(fetch.diff, verdicts);
    const total = sumUnits(units);
    let inCut: EpisodeJoin[];
    if (fetch.forced || maybe.length === 0) inCut = [...counted, ...maybe];
    else if (total === counted.length + maybe.length) inCut = [...counted, ...maybe];
    else {
      between.push(fetch); // joins straddle this fetch: it cannot cut on its own
      continue;
    }
    const keys = new Set(inCut.map((j) => j.key));
    const consistent =
      [...prev.counted].every((k) => keys.has(k)) &&
      ![...prev.units].some(([code, n]) => (units.get(code) ?? 0) < n);
    if (!consistent) {
      between.push(fetch);
      continue;
    }

    const byTime = now >= fetch.answeredAt + windows.eventMs;
    if (!fetch.forced && !byTime && total > keys.size) {
      // More uses than joins so far: events are still on the way.
      result.waitUntil = fetch.answeredAt + windows.eventMs;
      break;
    }
    const blockJoins = inCut.filter((j) => !prev.counted.has(j.key));
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
    if (!fetch.forced && blockTotal < blockJoins.length) {
      deficit = [...deficit, ...blockJoins];
      result.deficit.push(...blockJoins.filter((j) => !j.missed));
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
      const paired = !fetch.forced && blockTotal === blockJoins.length;
      const parts = paired ? splitPairedBlock(block, prev, between, intervals, verdicts) : [block];
      for (const part of parts) for (const d of decideBlock(part, input)) decisions.set(d.key, d);
    }
    prev = { fetch, counted: keys, units };
    between = [];
    result.cuts.push({ fetch, counted: keys });
  }

  const last = fetches.reduce<EpisodeFetch | null>(
    (latest, f) => (latest === null || f.sentAt > latest.sentAt ? f : latest),
    null,
  );
  for (const join of joins) {
    if (decisions.has(join.key)) continue;
    result.undecided.push(join.key);
    const { hi } = intervals.get(join.key)!;
    // Not certainly counted by the newest fetch: a later one must be sent after its use can count.
    if (last === null || hi > last.sentAt) {
      result.fetchAfter = Math.max(result.fetchAfter ?? -Infinity, hi);
    }
  }
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

/**
 * A paired block (as many uses as joins) says every one of its joins used exactly one of its uses.
 * That makes the fetches inside it that could not cut on their own informative: a fetch whose uses
 * since the block began equal the joins it certainly counted counted none of the others (and one
 * whose uses equal all the joins it may have counted counted all of them). Such fetches split the
 * block into smaller paired blocks, so a quick second join through another code does not turn the
 * first one ambiguous. Fetches that saw an invite vanish are skipped: their counts are not complete.
 */
function splitPairedBlock(
  block: Block,
  prev: Cut,
  between: readonly EpisodeFetch[],
  intervals: ReadonlyMap<string, { lo: number; hi: number }>,
  verdicts: ReadonlyMap<string, VanishedVerdict>,
): Block[] {
  if (block.joins.length < 2 || between.length === 0) return [block];
  const parts: Block[] = [];
  let placed = new Set<string>();
  let placedUnits = new Map<string, number>();
  let placedAnsweredAt = prev.fetch?.answeredAt ?? -Infinity;
  for (const fetch of between) {
    if (fetch.forced || fetch.diff.vanished.size > 0) continue;
    const units = subtractUnits(certainUnits(fetch.diff, verdicts), prev.units);
    const fits =
      [...units].every(([code, n]) => n <= (block.units.get(code) ?? 0)) &&
      [...placedUnits].every(([code, n]) => (units.get(code) ?? 0) >= n);
    if (!fits) continue;
    const counted: PendingJoin[] = [];
    const maybe: PendingJoin[] = [];
    for (const join of block.joins) {
      const { lo, hi } = intervals.get(join.key)!;
      if ((placed.has(join.key) && fetch.sentAt >= placedAnsweredAt) || hi <= fetch.sentAt)
        counted.push(join);
      else if (lo <= fetch.answeredAt) maybe.push(join);
    }
    const total = sumUnits(units);
    const inCut =
      total === counted.length
        ? counted
        : total === counted.length + maybe.length
          ? [...counted, ...maybe]
          : null;
    if (!inCut || ![...placed].every((k) => inCut.some((j) => j.key === k))) continue;
    const joins = inCut.filter((j) => !placed.has(j.key));
    if (joins.length === 0) continue;
    parts.push({ ...block, joins, units: subtractUnits(units, placedUnits) });
    placed = new Set(inCut.map((j) => j.key));
    placedUnits = units;
    placedAnsweredAt = fetch.answeredAt;
  }
  const rest = block.joins.filter((j) => !placed.has(j.key));
  if (rest.length > 0)
    parts.push({ ...block, joins: rest, units: subtractUnits(block.units, placedUnits) });
  return parts.map((part) => ({
    ...part,
    vanished: new Map([...block.vanished].filter(([code]) => part.units.has(code))),
  }));
}
