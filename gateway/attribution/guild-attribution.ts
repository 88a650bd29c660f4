/**
 * One guild's attribution state machine. Pure: no I/O, no timers, no clock. The caller (the guild
 * runner) feeds it events with the current time, performs the action it asks for (fetch the invites,
 * read the audit log, or wait until a time), and persists what it hands out: decisions, revisions of
 * earlier decisions, the baseline and the episode's state. All calls for one guild must be serial.
 *
 * An **episode** holds the joins and invite fetches since the baseline. Whenever a fact arrives (a
 * join, a fetch answer, an audit verdict, a learned timing) the episode is solved again from scratch
 * (solve.ts): joins whose block the facts settle are decided; a decided join whose decision the new
 * facts change is revised (a GUILD_MEMBER_ADD that arrived late, a use counted after its event).
 * Decisions are made as soon as the counts agree; the windows that say how long to wait otherwise
 * are measured (timing.ts), never below the configured floors. Once a cut is older than the revision
 * horizon, its snapshot becomes the new baseline and the joins before it leave the episode: their
 * decisions are final.
 */
import { decision, type VanishedVerdict } from './decide';
import { diffSnapshots, type CreatedInvite, type SnapshotDiff } from './diff';
import { InviteTable } from './invite-table';
import {
  BURST_SPAN_MS,
  solve,
  type EpisodeFetch,
  type EpisodeJoin,
  type SolveWindows,
} from './solve';
import { DEFAULT_TIMING_CONFIG, TimingModel } from './timing';
import type {
  Candidate,
  Decision,
  FetchedInvites,
  InviteRecord,
  PendingJoin,
  ReasonKey,
  Revision,
  RevisionCause,
  VanityState,
} from './types';

export type AttributionConfig = {
  /** Floor of the event window: how long after a fetch's answer a join it counted may arrive. */
  settleMs: number;
  /** Floor of the increment lag: how long after its event a join's use may still be counted. */
  maxIncrementLagMs: number;
  /**
   * Joins that mark a burst: this many since the last fetch space the fetches, this many within
   * BURST_SPAN_MS either side of a join decide it from its bracket, and this many within the last
   * BURST_SPAN_MS space the solves. Past about 10 joins/s fetches rarely cut; below, a bracket
   * decision would only give up exact answers the counts still allow (at 5, Poisson arrivals of 2
   * joins/s lost 6 points of exact share to it).
   */
  burstJoinThreshold: number;
  /** Minimum spacing of fetches during a burst. */
  burstFetchIntervalMs: number;
  /** Joins no cut settles are closed without naming anyone after this long (an endless burst). */
  maxBatchAgeMs: number;
  /** A max-uses invite that vanished this close to its expiry may have expired. */
  expirySkewMs: number;
  /** Delays between attempts when a fetch fails transiently; then the joins are unknown. */
  fetchRetryDelaysMs: readonly number[];
  /** After a 50013 on the invites route, joins are `no_permission` for this long before trying again. */
  noPermissionRetryMs: number;
  /** Tombstones older than this are dropped. */
  tombstoneTtlMs: number;
  /** After the audit log was refused (permission taken away), try it again after this long. */
  auditRetryMs: number;
  /** Decisions stay revisable this long after the fetch that settled them (and at least 3 event windows). */
  revisionHorizonMs: number;
  /** Allowance for the clock-offset estimate (and counters moving just before `joined_at`). */
  clockMarginMs: number;
  /**
   * A join that saw no counted use stays a claimant of uses counted this long after its event, so a
   * use counted late is never handed to the next joiner.
   */
  claimMs: number;
  /**
   * A join no cut settles this long after it arrived (a burst: every fetch is straddled) is called
   * ambiguous among the codes counted around it instead of waiting for the burst to end.
   */
  burstDecideMs: number;
  /**
   * During a burst the episode is solved at most once per this long: each solve reads every join
   * and fetch of the episode, and a raid's joins, one solve each, would take more CPU than the
   * raid has time (its joins are decided seconds later anyway).
   */
  burstSolveIntervalMs: number;
  /**
   * Trust that Discord counts a use the moment its member joins, before it sends GUILD_MEMBER_ADD
   * (what every tracker relies on; the timing model has learned no increment lag): a fetch that
   * straddles joins is then placed among them by their `joined_at` order once a later fetch shows
   * they all moved a counter (solve.ts, countedInJoinOrder). Off, a use counted after its event can
   * never swap two joins' codes; on, such a swap would go unseen until the engine learns the lag.
   */
  countedAtJoin: boolean;
};

export const DEFAULT_ATTRIBUTION_CONFIG: AttributionConfig = {
  settleMs: DEFAULT_TIMING_CONFIG.eventFloorMs,
  maxIncrementLagMs: DEFAULT_TIMING_CONFIG.lagFloorMs,
  burstJoinThreshold: 12,
  burstFetchIntervalMs: 1000,
  maxBatchAgeMs: 120_000,
  expirySkewMs: 60_000,
  fetchRetryDelaysMs: [1000, 2000, 5000, 10_000, 30_000],
  noPermissionRetryMs: 60_000,
  tombstoneTtlMs: 15 * 60_000,
  auditRetryMs: 10 * 60_000,
  revisionHorizonMs: 30_000,
  // Used only until a message we created bounds the clock offset from below: the fastest event
  // seen is assumed to have taken at most this long (a use read in an answer's last 50 ms could be
  // misplaced only if even the fastest event took longer, plus the answer's own transit).
  clockMarginMs: 50,
  claimMs: 1000,
  burstDecideMs: 4000,
  burstSolveIntervalMs: 250,
  countedAtJoin: false,
};

export type Action =
  | { kind: 'fetch' }
  | { kind: 'audit'; codes: string[] }
  | { kind: 'wait'; until: number }
  | { kind: 'busy' }
  | { kind: 'idle' };

/** The episode in a form that survives a restart (the joins themselves are in the database). */
export type EpisodeState = {
  fetches: {
    sentAt: number;
    answeredAt: number;
    certain: [string, number][];
    vanished: [string, number, boolean][];
    gone?: string[];
    forced?: boolean;
  }[];
  verdicts: [string, VanishedVerdict][];
  windows: SolveWindows;
  created: [string, CreatedInvite][];
  claims?: string[];
};

/**
 * What the caller must persist, atomically: decisions, revisions, the new baseline (when it moved)
 * and the episode state (null: no episode open; undefined: unchanged).
 */
export type Output = {
  decisions: Decision[];
  revisions: Revision[];
  baseline: { invites: InviteRecord[]; vanity: VanityState | null; takenAt: number } | null;
  episode?: EpisodeState | null;
};

type Fetch = EpisodeFetch & { table: InviteTable | null; vanity: VanityState | null };

type Episode = {
  joins: EpisodeJoin[];
  keys: Set<string>;
  fetches: Fetch[];
  verdicts: Map<string, VanishedVerdict>;
  windows: SolveWindows;
  /** What was decided so far (and handed out), by join key. */
  emitted: Map<string, Decision>;
  /** Joins that saw no counted use: claimants of later-counted uses (see claimMs). */
  claims: Set<string>;
  /** Decided joins the facts no longer settle, with what unsettled them (the revision's cause). */
  reopened: Map<string, RevisionCause>;
  /** Why the next solve may change decisions. */
  cause: RevisionCause;
};

const same = (a: Decision, b: Decision) =>
  a.outcome === b.outcome &&
  a.reason === b.reason &&
  a.code === b.code &&
  a.inviterId === b.inviterId &&
  sameCodes(a.candidates ?? [], b.candidates ?? []);

// Compared for every decided join on every fact: no allocation (a raid has thousands).
function sameCodes(a: readonly Candidate[], b: readonly Candidate[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.code !== b[i]!.code) return false;
  return true;
}

/**
 * A burst's bracket that a narrower one replaces (a better clock bound moved its start) still holds
 * the true code: its line is not edited, or a raid would rewrite thousands of lines that say the same.
 */
const stillTrue = (previous: Decision, next: Decision) =>
  previous.reason === 'burst_unsettled' &&
  next.reason === 'burst_unsettled' &&
  previous.inviterId === next.inviterId &&
  previous.candidates !== null &&
  next.candidates !== null &&
  next.candidates.length > 0 &&
  next.candidates.every((c) => previous.candidates!.some((p) => p.code === c.code));

const NO_CREATED: ReadonlyMap<string, CreatedInvite> = new Map();
/** Nothing to hand out (shared; callers only read outputs). */
const NO_OUTPUT: Output = Object.freeze({
  decisions: Object.freeze([]) as unknown as Decision[],
  revisions: Object.freeze([]) as unknown as Revision[],
  baseline: null,
});

export class GuildAttribution {
  readonly guildId: string;
  private readonly config: AttributionConfig;
  private readonly timing: TimingModel;
  /** The snapshot uses are counted from (the episode's start). */
  private baseline: InviteTable;
  private baselineVanity: VanityState | null = null;
  /** False until a complete fetch (or a persisted one) gives a baseline; false again after we lost track. */
  private baselineValid = false;
  /** The newest view of the invites, for commands and the next baseline. */
  private current: InviteTable;
  private currentVanity: VanityState | null = null;
  /** When the fetch behind `current` was sent. */
  private currentTakenAt = 0;
  /** While joins missed during a lost session are being looked for, the baseline must not move. */
  private holdBaseline = false;
  /**
   * Invites learned from INVITE_CREATE that the baseline does not list. Created when the first one
   * comes, as `out`: thousands of idle guilds would each hold an empty Map and output otherwise.
   */
  private created: Map<string, CreatedInvite> | null = null;
  private episode: Episode | null = null;
  private inFlight: { kind: 'fetch' | 'audit'; startedAt: number } | null = null;
  private fetchFailures = 0;
  private nextFetchAt = 0;
  private noPermissionUntil: number | null = null;
  /** A fetch with no joins waiting, to (re)take a baseline. */
  private primeWanted = true;
  private canAudit = false;
  /** After the audit log was refused, it is tried again only after this time (permissions change). */
  private auditRetryAt = 0;
  /** When the episode was last solved (see `burstSolveIntervalMs`). */
  private solvedAt = 0;
  private pending: Output | null = null;

  constructor(
    guildId: string,
    config: AttributionConfig = DEFAULT_ATTRIBUTION_CONFIG,
    timing: TimingModel = new TimingModel({
      ...DEFAULT_TIMING_CONFIG,
      eventFloorMs: config.settleMs,
      lagFloorMs: config.maxIncrementLagMs,
    }),
  ) {
    this.guildId = guildId;
    this.config = config;
    this.timing = timing;
    this.baseline = new InviteTable();
    this.current = this.baseline;
  }

  /**
   * Restores what was persisted before a restart: the baseline, and the open episode with its joins
   * (decided ones with their decision), so late events can still revise them.
   */
  restore(
    invites: Iterable<InviteRecord>,
    vanity: VanityState | null,
    /** When the baseline's fetch was sent. */
    takenAt: number,
    episode: {
      state: EpisodeState;
      joins: { join: EpisodeJoin; decision: Decision | null }[];
    } | null = null,
  ): void {
    // The stored rows keep invites that were already gone when the snapshot was taken (for their
    // inviter). In the baseline they would look like invites gone since, their unused uses open:
    // a one-use invite used up before the snapshot would be handed to the next join.
    this.baseline = InviteTable.from(
      [...invites].filter((i) => i.deletedAt === null || i.deletedAt > takenAt),
    );
    this.current = this.baseline;
    this.baselineVanity = vanity;
    this.currentVanity = vanity;
    this.baselineValid = true;
    this.primeWanted = false;
    if (!episode) return;
    const { state } = episode;
    this.created = state.created.length > 0 ? new Map(state.created) : null;
    this.episode = {
      joins: [],
      keys: new Set(),
      fetches: state.fetches.map((f) => ({
        sentAt: f.sentAt,
        answeredAt: f.answeredAt,
        forced: f.forced,
        diff: {
          certain: new Map(f.certain),
          vanished: new Map(
            f.vanished.map(([c, units, confirmable]) => [c, { units, confirmable }]),
          ),
          ...(f.gone ? { gone: new Set(f.gone) } : {}),
        },
        table: null,
        vanity: null,
      })),
      verdicts: new Map(state.verdicts),
      windows: state.windows,
      emitted: new Map(),
      claims: new Set(state.claims ?? []),
      reopened: new Map(),
      cause: 'restart',
    };
    for (const { join, decision: d } of episode.joins) {
      this.addJoins([join]);
      if (d) this.episode.emitted.set(join.key, d);
    }
  }

  /** Whether the bot may read the audit log (VIEW_AUDIT_LOG), to confirm used-up invites. */
  setCanAudit(canAudit: boolean): void {
    this.canAudit = canAudit;
  }

  /**
   * The bot's roles or the guild's owner changed: a refused permission may be granted now, so the
   * waits after a refusal end at once.
   */
  permissionsChanged(): void {
    if (this.noPermissionUntil !== null) this.noPermissionUntil = 0;
    this.auditRetryAt = 0;
  }

  /**
   * The guild gained a vanity URL: without an episode, a fetch takes its counter into the baseline
   * (with one, the episode's next fetch does), so the first vanity join can already be counted.
   */
  vanityGained(): void {
    if (this.baselineValid && !this.episode && !this.holdBaseline) this.primeWanted = true;
  }

  get isPrimed(): boolean {
    return this.baselineValid;
  }

  /** Joins not decided yet (every decided join is in the episode's joins). */
  get pendingJoins(): number {
    const e = this.episode;
    return e ? e.joins.length - e.emitted.size : 0;
  }

  /** Live invites (no tombstones, not expired), for commands. */
  invites(now: number): InviteRecord[] {
    return [...this.current].filter(
      (i) => i.deletedAt === null && (i.expiresAt === null || i.expiresAt > now),
    );
  }

  get vanity(): VanityState | null {
    return this.currentVanity;
  }

  inviteCreated(invite: Omit<InviteRecord, 'deletedAt'>, now: number): void {
    // Never into the baseline: a fetch in flight may have been read before this code existed.
    if (this.current === this.baseline) this.current = this.baseline.clone();
    const known = this.current.get(invite.code);
    // A replayed INVITE_CREATE must not reset a counter we already saw move.
    this.current.set({ ...invite, uses: Math.max(invite.uses, known?.uses ?? 0), deletedAt: null });
    if (!this.baseline.has(invite.code) && !this.created?.has(invite.code)) {
      (this.created ??= new Map()).set(invite.code, {
        inviterId: invite.inviterId,
        uses: invite.uses,
        maxUses: invite.maxUses,
        expiresAt: invite.expiresAt,
        receivedAt: now,
      });
    }
  }

  inviteDeleted(code: string, now: number): void {
    for (const table of new Set([this.current, this.baseline])) {
      const known = table.get(code);
      if (known && known.deletedAt === null) table.set({ ...known, deletedAt: now });
    }
  }

  /** A human member joined. Bots are decided by the caller (`botDecision`) and never enter. */
  memberJoined(join: PendingJoin, now: number): void {
    if (this.noPermissionUntil !== null && now < this.noPermissionUntil) {
      this.decide([unpairable(join, 'no_permission', 'missing_manage_guild')]);
      return;
    }
    const joinedAtMs = Date.parse(join.joinedAt);
    if (!join.missed && Number.isFinite(joinedAtMs)) {
      this.timing.observeJoin(join.receivedAt, joinedAtMs);
    }
    this.addJoins([{ ...join, joinedAtMs }], now);
    this.episode!.cause = 'late_event';
  }

  /**
   * After a reconnect without RESUME: members found to have joined while we were away (possibly
   * none). They are decided like any join against the persisted baseline.
   */
  reconcileDowntime(missed: PendingJoin[], now: number): void {
    this.holdBaseline = false;
    if (missed.length === 0) {
      // Nothing to pair: take a fresh baseline before the next join is counted against it.
      if (!this.episode) this.primeWanted = true;
      return;
    }
    this.addJoins(
      missed.map((j) => ({ ...j, missed: true, joinedAtMs: Date.parse(j.joinedAt) })),
      now,
    );
    this.episode!.cause = 'missed_join';
  }

  /**
   * After a lost session, until the joins missed meanwhile are found (reconcileDowntime): the
   * baseline stays where it was, so their uses can still be paired with them.
   */
  awaitReconcile(): void {
    this.holdBaseline = true;
    this.primeWanted = false;
  }

  private openEpisode(now: number): Episode {
    this.episode ??= {
      joins: [],
      keys: new Set(),
      fetches: [],
      verdicts: new Map(),
      windows: this.windowsNow(now),
      emitted: new Map(),
      claims: new Set(),
      reopened: new Map(),
      cause: 'later_fetch',
    };
    return this.episode;
  }

  private windowsNow(now: number): SolveWindows {
    return {
      ...this.timing.windows(now),
      clockMarginMs: this.config.clockMarginMs,
      claimMs: this.config.claimMs,
    };
  }

  private addJoins(joins: EpisodeJoin[], now = 0): void {
    const episode = this.openEpisode(now);
    for (const join of joins) {
      if (episode.keys.has(join.key)) continue;
      episode.keys.add(join.key);
      episode.joins.push(join);
    }
  }

  /** What to do now. Call after every event and whenever a `wait` deadline passes. */
  nextAction(now: number): Action {
    if (this.inFlight) return { kind: 'busy' };
    if (!this.baselineValid) {
      if (!this.primeWanted) return { kind: 'idle' };
      if (this.noPermissionUntil !== null && now < this.noPermissionUntil) {
        return { kind: 'wait', until: this.noPermissionUntil };
      }
      if (now < this.nextFetchAt) return { kind: 'wait', until: this.nextFetchAt };
      return { kind: 'fetch' };
    }
    const episode = this.episode;
    if (!episode) {
      if (this.holdBaseline) return { kind: 'idle' };
      if (this.primeWanted && now >= this.nextFetchAt) return { kind: 'fetch' };
      return this.primeWanted ? { kind: 'wait', until: this.nextFetchAt } : { kind: 'idle' };
    }
    const again = this.solvedAt + this.solveInterval(episode);
    if (now < again && this.inBurst(episode, now)) return { kind: 'wait', until: again };
    this.solvedAt = now;
    const result = this.evaluate(episode, now);
    if (this.episode === null) return this.nextAction(now);
    if (result.audit) return { kind: 'audit', codes: result.audit };
    let until = result.waitUntil ?? Infinity;
    if (result.fetchAfter !== null) {
      const fetchAt = Math.max(
        result.fetchAfter,
        this.nextFetchAt,
        this.burstSpacing(episode),
        this.askAgainAt(episode, result),
      );
      if (fetchAt <= now) return { kind: 'fetch' };
      until = Math.min(until, fetchAt);
    }
    const oldest = this.oldestUndecided(episode, result.undecided);
    if (oldest !== null) {
      // Past the first deadline the newest fetch was closed by force (evaluate): what time brings
      // next is the abandonment. Waiting for a deadline already passed would wake again at once.
      const forceAt = oldest + this.config.maxBatchAgeMs;
      until = Math.min(until, forceAt > now ? forceAt : oldest + 2 * this.config.maxBatchAgeMs);
    }
    if (result.burstAt !== null) until = Math.min(until, result.burstAt);
    if (result.undecided.length === 0) until = Math.min(until, this.rebaseAt(episode));
    return Number.isFinite(until) ? { kind: 'wait', until } : { kind: 'idle' };
  }

  /**
   * How long a burst waits between solves: `burstSolveIntervalMs`, longer as the episode grows (a
   * solve reads every join for every fetch; a long raid's episode holds thousands of each), at most
   * 2 s: a 200 joins/s raid's 50th second (10,000 joins, 50 fetches) is solved every 1.25 s.
   */
  private solveInterval(episode: Episode): number {
    const pairs = episode.joins.length * episode.fetches.length;
    return Math.min(2000, this.config.burstSolveIntervalMs * Math.max(1, pairs / 100_000));
  }

  /** `burstJoinThreshold` joins received within the last half second (the newest are last). */
  private inBurst(episode: Episode, now: number): boolean {
    const { joins } = episode;
    const wanted = this.config.burstJoinThreshold;
    if (joins.length < wanted) return false;
    let recent = 0;
    for (let i = joins.length - 1; i >= 0 && recent < wanted; i--) {
      if (joins[i]!.receivedAt < now - BURST_SPAN_MS) break;
      recent += 1;
    }
    return recent >= wanted;
  }

  /** During a burst, fetches are spaced: at most one per `burstFetchIntervalMs`. */
  private burstSpacing(episode: Episode): number {
    const last = episode.fetches.at(-1);
    if (!last) return 0;
    const since = episode.joins.filter((j) => j.receivedAt > last.sentAt).length;
    return since >= this.config.burstJoinThreshold
      ? last.sentAt + this.config.burstFetchIntervalMs
      : 0;
  }

  /**
   * When every undecided join is in the newest fetch and still no cut holds, the next fetch waits an
   * event window: asking again at once would only repeat the same answer.
   */
  private askAgainAt(episode: Episode, result: { undecided: string[] }): number {
    const last = episode.fetches.at(-1);
    if (!last) return 0;
    const keys = new Set(result.undecided);
    const uncovered = episode.joins.some(
      (j) => keys.has(j.key) && j.receivedAt + episode.windows.lagMs > last.sentAt,
    );
    return uncovered ? 0 : last.answeredAt + episode.windows.eventMs;
  }

  private oldestUndecided(episode: Episode, undecided: string[]): number | null {
    if (undecided.length === 0) return null;
    const keys = new Set(undecided);
    let oldest = Infinity;
    for (const j of episode.joins) if (keys.has(j.key)) oldest = Math.min(oldest, j.receivedAt);
    return oldest;
  }

  /** When the newest fetch leaves the revision horizon (the episode can then be closed). */
  private rebaseAt(episode: Episode): number {
    const last = episode.fetches.at(-1);
    return last ? last.answeredAt + this.horizon(episode) : Infinity;
  }

  private horizon(episode: Episode): number {
    return Math.max(this.config.revisionHorizonMs, 3 * episode.windows.eventMs);
  }

  /** Solves the episode, hands out what changed, and closes what can no longer change. */
  private evaluate(episode: Episode, now: number) {
    const measured = this.windowsNow(now);
    episode.windows = {
      ...measured,
      eventMs: Math.max(episode.windows.eventMs, measured.eventMs),
      lagMs: Math.max(episode.windows.lagMs, measured.lagMs),
      // Bounds only tighten: the least upper and the greatest lower bound seen in the episode.
      offsetMs:
        measured.offsetMs === null || episode.windows.offsetMs === null
          ? (measured.offsetMs ?? episode.windows.offsetMs)
          : Math.min(episode.windows.offsetMs, measured.offsetMs),
      offsetLowMs:
        measured.offsetLowMs === null || episode.windows.offsetLowMs === null
          ? (measured.offsetLowMs ?? episode.windows.offsetLowMs)
          : Math.max(episode.windows.offsetLowMs, measured.offsetLowMs),
    };
    let result = this.solve(episode, now);
    if (result.countedLate) {
      const trusted = !this.timing.countedLate(now);
      this.timing.observeCountedLate(now);
      // The order the solve just trusted no longer holds: solve again without it.
      if (trusted && this.config.countedAtJoin) result = this.solve(episode, now);
    }
    if (result.lagSignature) {
      const lag = this.learnLag(episode, now, result.lagSignature);
      if (lag !== null) {
        this.timing.observeLag(now, lag);
        episode.windows = { ...episode.windows, lagMs: Math.max(episode.windows.lagMs, lag) };
        episode.cause = 'increment_lag';
        result = this.solve(episode, now);
      }
    }
    // An endless burst: close what the newest fetch covers, without naming anyone.
    const oldest = this.oldestUndecided(episode, result.undecided);
    const last = episode.fetches.at(-1);
    if (oldest !== null && last && !last.forced && now >= oldest + this.config.maxBatchAgeMs) {
      last.forced = true;
      result = this.solve(episode, now);
    }
    // Still open twice as long (facts that contradict each other, e.g. counters that went back):
    // the episode is abandoned, its undecided joins name no one, and fetching stops.
    const stuck = this.oldestUndecided(episode, result.undecided);
    if (stuck !== null && now >= stuck + 2 * this.config.maxBatchAgeMs) {
      this.close(now, (j) => unpairable(j, 'ambiguous', 'burst_unsettled'));
      return { ...result, undecided: [], audit: null, waitUntil: null, fetchAfter: null };
    }
    for (const key of result.undecided) {
      if (episode.emitted.has(key) && !episode.reopened.has(key))
        episode.reopened.set(key, episode.cause);
    }
    this.emit(episode, result.decisions, now);
    if (result.undecided.length === 0 && now >= this.rebaseAt(episode) && !this.holdBaseline) {
      this.close(now);
    }
    return result;
  }

  /**
   * Solves until the claimants are stable: a join that saw no counted use keeps a claim on uses
   * counted for `claimMs` after its event, which can merge it with later joins (never the reverse).
   */
  private solve(episode: Episode, now: number, windows: SolveWindows = episode.windows) {
    for (;;) {
      const result = this.solveOnce(episode, now, windows);
      const fresh = result.deficit.filter((j) => !episode.claims.has(j.key));
      if (fresh.length === 0) return result;
      for (const j of fresh) episode.claims.add(j.key);
    }
  }

  private solveOnce(episode: Episode, now: number, windows: SolveWindows) {
    return solve({
      claims: episode.claims,
      joins: episode.joins,
      fetches: episode.fetches,
      verdicts: episode.verdicts,
      windows,
      now,
      mayAudit: this.canAudit && now >= this.auditRetryAt,
      burstDecideMs: this.config.burstDecideMs,
      burstJoins: this.config.burstJoinThreshold,
      inviterOf: (code) => this.inviterOf(code, episode),
      vanityCode: this.currentVanity?.code ?? this.baselineVanity?.code ?? null,
      // Uses seen counted after their events (a learned lag, or a claimant's late use): their
      // order need not be the joins'.
      countedAtJoin:
        this.config.countedAtJoin && windows.lagMs === 0 && !this.timing.countedLate(now),
    });
  }

  /** Who created a code: from the newest view, the baseline, INVITE_CREATE, or an earlier fetch. */
  private inviterOf(code: string, episode: Episode): string | null {
    const known =
      this.current.get(code) ??
      this.baseline.get(code) ??
      this.created?.get(code) ??
      episode.fetches.findLast((f) => f.table?.has(code))?.table?.get(code);
    if (known) return known.inviterId;
    // Gone from every view (expired, or across a restart): a decision handed out named its inviter.
    for (const d of episode.emitted.values()) {
      if (d.code === code && d.inviterId) return d.inviterId;
      const named = d.candidates?.find((c) => c.code === code && c.inviterId);
      if (named) return named.inviterId;
    }
    return null;
  }

  /**
   * The smallest increment lag under which the counts no longer show a deficit followed by a surplus,
   * or null when none up to the model's maximum does.
   */
  private learnLag(
    episode: Episode,
    now: number,
    signature: { deficit: EpisodeJoin[]; surplusSentAt: number },
  ): number | null {
    const candidates = new Set<number>();
    for (const join of signature.deficit) {
      for (const f of episode.fetches) {
        if (f.sentAt > join.receivedAt && f.sentAt <= signature.surplusSentAt)
          candidates.add(f.sentAt - join.receivedAt + 1);
      }
    }
    const max = this.timing.config.maxLagMs;
    for (const lag of [...candidates].sort((a, b) => a - b)) {
      if (lag > max || lag <= episode.windows.lagMs) continue;
      const tried = this.solve(episode, now, { ...episode.windows, lagMs: lag });
      if (!tried.lagSignature) return lag;
    }
    return null;
  }

  /** Hands out new decisions and revisions of changed ones. */
  private emit(episode: Episode, decisions: Map<string, Decision>, now: number): void {
    const missed = new Set(episode.joins.filter((j) => j.missed).map((j) => j.key));
    for (const [key, raw] of decisions) {
      const next =
        missed.has(key) && raw.outcome !== 'exact' && raw.outcome !== 'vanity'
          ? { ...raw, outcome: 'downtime' as const, reason: 'joined_while_offline' as const }
          : raw;
      const previous = episode.emitted.get(key);
      const cause = episode.reopened.get(key) ?? episode.cause;
      episode.reopened.delete(key);
      if (!previous) this.out.decisions.push(next);
      else if (same(previous, next) || stillTrue(previous, next)) continue;
      else this.out.revisions.push({ previous, next, cause, at: now });
      episode.emitted.set(key, next);
    }
    const out = this.pending;
    if (out && (out.decisions.length > 0 || out.revisions.length > 0)) {
      out.episode = this.episodeState(episode);
    }
    episode.cause = 'later_fetch';
  }

  /**
   * Ends the episode: the newest view becomes the baseline, decisions are final. Joins still
   * undecided (only when the episode is abandoned) are handed the given decision.
   */
  private close(now: number, abandon?: (join: EpisodeJoin) => Decision): void {
    const episode = this.episode;
    if (episode && abandon) {
      const undecided = new Map<string, Decision>();
      for (const join of episode.joins) {
        const previous = episode.emitted.get(join.key);
        // A decided join keeps its decision unless it named someone: that is no longer proven.
        if (!previous) undecided.set(join.key, abandon(join));
      }
      this.emit(episode, undecided, now);
    }
    this.episode = null;
    this.out.episode = null;
    if (this.baselineValid) {
      this.adoptBaseline(this.current, this.currentVanity, now, this.currentTakenAt);
    }
  }

  takeOutput(): Output {
    const out = this.pending ?? NO_OUTPUT;
    this.pending = null;
    return out;
  }

  /** What the next takeOutput hands out (created when something is to be handed out). */
  private get out(): Output {
    return (this.pending ??= { decisions: [], revisions: [], baseline: null });
  }

  /** A fetch was requested (it may still wait in the REST client's queue). */
  fetchStarted(now: number): void {
    this.inFlight = { kind: 'fetch', startedAt: now };
  }

  /**
   * The fetch actually left (after queueing and rate-limit waits): uses counted before now are in
   * it. Optional; without it the request time stands, which is safe but less precise.
   */
  fetchSent(now: number): void {
    if (this.inFlight?.kind === 'fetch') this.inFlight = { kind: 'fetch', startedAt: now };
  }

  fetchSucceeded(fetched: FetchedInvites, now: number): void {
    const sentAt = this.inFlight?.startedAt ?? now;
    this.inFlight = null;
    this.fetchFailures = 0;
    this.noPermissionUntil = null;
    const fresh = InviteTable.from(fetched.invites.map((i) => ({ ...i, deletedAt: null })));
    if (!this.baselineValid) {
      // The first complete view: it becomes the baseline. Joins that arrived before its answer may
      // be counted in it already, so they cannot be paired.
      this.current = fresh;
      this.currentVanity = fetched.vanity;
      this.currentTakenAt = sentAt;
      this.close(now, (j) => unpairable(j, 'unknown', 'not_primed'));
      this.adoptBaseline(fresh, fetched.vanity, now, sentAt);
      return;
    }
    // The first reading of the vanity counter (the feature came, or was never read): counted from here.
    if (this.baselineVanity === null && fetched.vanity) this.baselineVanity = fetched.vanity;
    // Codes missing from the fresh view are gone for good.
    this.current = fresh;
    this.currentVanity = fetched.vanity;
    this.currentTakenAt = sentAt;
    if (!this.episode) {
      this.adoptBaseline(fresh, fetched.vanity, now, sentAt);
      return;
    }
    this.episode.fetches.push({
      sentAt,
      answeredAt: now,
      diff: this.diff(fetched, now, sentAt, this.episode.fetches),
      table: fresh,
      vanity: fetched.vanity,
    });
    this.episode.cause = 'later_fetch';
    this.rebase(now);
  }

  /** The uses since the baseline a fetch shows, given the fetches of the episode before it. */
  private diff(
    fetched: FetchedInvites,
    now: number,
    sentAt: number,
    earlier: readonly EpisodeFetch[],
  ): SnapshotDiff {
    const counted = new Map<string, number>();
    for (const f of earlier) {
      for (const [code, n] of f.diff.certain)
        counted.set(code, Math.max(counted.get(code) ?? 0, n));
    }
    return diffSnapshots(
      this.baseline,
      this.baselineVanity,
      fetched,
      now,
      this.config.expirySkewMs,
      { invites: this.created ?? NO_CREATED, fetchSentAt: sentAt },
      counted,
    );
  }

  /**
   * Moves the baseline to the newest fetch that is a cut older than the revision horizon: the joins
   * it covers are final and leave the episode, later fetches are counted from it.
   */
  private rebase(now: number): void {
    const episode = this.episode!;
    if (this.holdBaseline) return;
    const horizon = this.horizon(episode);
    // Only a cut older than the horizon can become the baseline: none without such a fetch.
    if (!episode.fetches.some((f) => f.table && f.answeredAt + horizon <= now)) return;
    const cut = this.solve(episode, now)
      .cuts.filter(({ fetch }) => (fetch as Fetch).table && fetch.answeredAt + horizon <= now)
      .filter(({ counted }) => [...counted].every((key) => episode.emitted.has(key)))
      .at(-1);
    if (!cut) return;
    const at = episode.fetches.indexOf(cut.fetch as Fetch);
    const keep = episode.joins.filter((j) => !cut.counted.has(j.key));
    const fetch = episode.fetches[at]!;
    this.adoptBaseline(fetch.table!, fetch.vanity, now, fetch.sentAt, false);
    episode.joins = keep;
    episode.keys = new Set(keep.map((j) => j.key));
    for (const key of [...episode.emitted.keys()])
      if (!episode.keys.has(key)) episode.emitted.delete(key);
    for (const key of [...episode.claims]) if (!episode.keys.has(key)) episode.claims.delete(key);
    for (const key of [...episode.reopened.keys()])
      if (!episode.keys.has(key)) episode.reopened.delete(key);
    const later = episode.fetches.slice(at + 1);
    episode.fetches = [];
    for (const f of later) {
      const diff = this.diff(
        { invites: [...f.table!], vanity: f.vanity },
        now,
        f.sentAt,
        episode.fetches,
      );
      episode.fetches.push({ ...f, diff });
    }
    if (episode.joins.length === 0 && episode.fetches.length === 0) this.episode = null;
    this.out.episode = this.episode ? this.episodeState(this.episode) : null;
  }

  private episodeState(episode: Episode): EpisodeState {
    return {
      fetches: episode.fetches.map((f) => ({
        sentAt: f.sentAt,
        answeredAt: f.answeredAt,
        certain: [...f.diff.certain],
        vanished: [...f.diff.vanished].map(([c, v]) => [c, v.units, v.confirmable]),
        ...(f.diff.gone ? { gone: [...f.diff.gone] } : {}),
        ...(f.forced ? { forced: true } : {}),
      })),
      verdicts: [...episode.verdicts],
      windows: episode.windows,
      created: [...(this.created ?? [])],
      claims: [...episode.claims],
    };
  }

  /** The invites route answered 50013: undecided joins are `no_permission`; the snapshot stays. */
  fetchForbidden(now: number): void {
    this.inFlight = null;
    this.noPermissionUntil = now + this.config.noPermissionRetryMs;
    this.close(now, (j) => unpairable(j, 'no_permission', 'missing_manage_guild'));
    // Uses will go on while we cannot see them: the baseline must be retaken once allowed again.
    this.baselineValid = false;
    this.primeWanted = true;
  }

  /** A fetch failed for another reason (5xx, timeout, network). */
  fetchFailed(now: number): void {
    this.inFlight = null;
    const delay = this.config.fetchRetryDelaysMs[this.fetchFailures];
    this.fetchFailures += 1;
    if (delay !== undefined) {
      this.nextFetchAt = now + delay;
      return;
    }
    this.fetchFailures = 0;
    this.close(now, (j) => unpairable(j, 'unknown', 'fetch_failed'));
    this.baselineValid = false;
    this.primeWanted = true;
  }

  auditStarted(now: number): void {
    this.inFlight = { kind: 'audit', startedAt: now };
  }

  /** Audit-log answer: which of the asked codes were deleted by someone (the rest were used up). */
  auditSucceeded(asked: readonly string[], revoked: ReadonlySet<string>, _now: number): void {
    this.inFlight = null;
    const episode = this.episode;
    if (!episode) return;
    for (const code of asked)
      episode.verdicts.set(code, revoked.has(code) ? 'revoked' : 'consumed');
    episode.cause = 'audit_log';
  }

  auditFailed(now: number): void {
    this.inFlight = null;
    this.auditRetryAt = now + this.config.auditRetryMs;
  }

  /** `takenAt`: when the fetch behind the table was sent (uses after it are not in its counts). */
  private adoptBaseline(
    table: InviteTable,
    vanity: VanityState | null,
    now: number,
    takenAt = now,
    clearEpisode = true,
  ): void {
    this.purgeTombstones(table, now);
    this.baseline = table;
    if (clearEpisode) this.current = table;
    this.baselineVanity = vanity;
    if (clearEpisode) this.currentVanity = vanity;
    for (const code of [...(this.created?.keys() ?? [])])
      if (table.has(code)) this.created!.delete(code);
    if (clearEpisode || this.created?.size === 0) this.created = null;
    this.baselineValid = true;
    this.primeWanted = false;
    this.out.baseline = { invites: [...table], vanity, takenAt };
  }

  private purgeTombstones(table: InviteTable, now: number): void {
    for (const invite of [...table]) {
      const expired =
        invite.expiresAt !== null && invite.expiresAt + this.config.expirySkewMs < now;
      const stale =
        invite.deletedAt !== null && invite.deletedAt + this.config.tombstoneTtlMs < now;
      if (expired || stale) table.delete(invite.code);
    }
  }

  private decide(decisions: Decision[]): void {
    this.out.decisions.push(...decisions);
  }
}

/** A decision that names no code or inviter. Missed joins (downtime) keep that label. */
function unpairable(join: PendingJoin, outcome: Decision['outcome'], reason: ReasonKey): Decision {
  const missed = join.missed === true;
  return decision(join, missed ? 'downtime' : outcome, missed ? 'joined_while_offline' : reason);
}

/** The decision for a bot account: bots join through OAuth and use no invite (also while we were away). */
export function botDecision(join: PendingJoin): Decision {
  return unpairable({ ...join, missed: false }, 'bot', 'bot_account');
}
