/**
 * The guilds this process owns, each with its GuildRunner, created on first use: from GUILD_CREATE,
 * or, after a RESUME (which sends no GUILD_CREATE), from what the database knows about the guild.
 * Also remembers recently decided joins, so replayed GUILD_MEMBER_ADDs never re-enter attribution.
 */
import { getGuild } from '../../db/queries/guilds';
import { loadSnapshot, type StoredSnapshot } from '../../db/queries/invites';
import { episodeJoins, joinsDecidedSince, pendingJoinsOnShards } from '../../db/queries/joins';
import type { EpisodeState } from '../attribution/guild-attribution';
import type { Decision } from '../attribution/types';
import { has, Permission } from '../discord/permissions';
import { retryUntilDone } from '../persist/retry';
import { GuildRunner, joinKey, type GuildTraits, type RunnerDeps } from './guild-runner';

/** How long a decided join is remembered (a RESUME replays at most the session's backlog). */
const REMEMBER_DECIDED_MS = 15 * 60_000;

export function traitsOf(features: readonly string[], botPermissions: bigint | null): GuildTraits {
  return {
    hasVanity: features.includes('VANITY_URL'),
    // Unknown permissions: try the audit log; a 403 turns it off for this guild.
    canAudit: botPermissions === null || has(botPermissions, Permission.ViewAuditLog),
  };
}

export class GuildRegistry {
  private readonly runners = new Map<string, GuildRunner>();
  private readonly loading = new Map<string, Promise<GuildRunner | null>>();
  private readonly decided = new Map<string, number>();
  /** Guilds a GUILD_CREATE is storing and opening: their other events wait for it. */
  private readonly arriving = new Map<string, Promise<unknown>>();
  /** One dependencies object for every runner: a copy per guild cost about 600 bytes (its own hidden class). */
  private readonly runnerDeps: RunnerDeps;

  constructor(private readonly deps: Omit<RunnerDeps, 'onDecided'>) {
    this.runnerDeps = {
      ...deps,
      onDecided: (guildId, key) =>
        this.decided.set(`${guildId}:${key}`, this.deps.now() + REMEMBER_DECIDED_MS),
    };
  }

  get size(): number {
    return this.runners.size;
  }

  get(guildId: string): GuildRunner | undefined {
    return this.runners.get(guildId);
  }

  all(): IterableIterator<GuildRunner> {
    return this.runners.values();
  }

  /**
   * A runner for a guild seen in GUILD_CREATE: the existing one, or a new one restored from the
   * stored baseline. `takenAt` is when the stored baseline was taken (null: never), from which
   * joins may have been missed.
   */
  async open(
    guildId: string,
    traits: GuildTraits,
  ): Promise<{ runner: GuildRunner; takenAt: number | null }> {
    const snapshot = await this.read('load invite snapshot', () =>
      loadSnapshot(this.deps.db, guildId),
    );
    const existing = this.runners.get(guildId) ?? (await this.loading.get(guildId));
    if (existing) {
      existing.setTraits(traits);
      return { runner: existing, takenAt: snapshot.takenAt };
    }
    const runner = this.create(guildId, traits);
    await this.restoreState(runner, snapshot);
    return { runner, takenAt: snapshot.takenAt };
  }

  /**
   * GUILD_CREATE is storing the guild (its row goes out in a batch) and opening its runner: an event
   * for the guild that comes meanwhile waits for that, instead of finding the guild unknown.
   */
  expect(guildId: string, opened: Promise<unknown>): void {
    this.arriving.set(guildId, opened);
    void opened
      .catch(() => {})
      .finally(() => {
        if (this.arriving.get(guildId) === opened) this.arriving.delete(guildId);
      });
  }

  /**
   * The runner for an event of a guild we have no runner for: after a RESUME the guild is known
   * only from the database. Null when the database does not know the guild either.
   */
  async resolve(guildId: string): Promise<GuildRunner | null> {
    const arriving = this.arriving.get(guildId);
    if (arriving) await arriving.catch(() => {});
    const existing = this.runners.get(guildId);
    if (existing) return existing;
    let loading = this.loading.get(guildId);
    if (!loading) {
      loading = this.load(guildId).finally(() => this.loading.delete(guildId));
      this.loading.set(guildId, loading);
    }
    return loading;
  }

  private async load(guildId: string): Promise<GuildRunner | null> {
    const guild = await this.read('load guild', () => getGuild(this.deps.db, guildId));
    if (!guild || guild.removedAt !== null) return null;
    const snapshot = await this.read('load invite snapshot', () =>
      loadSnapshot(this.deps.db, guildId),
    );
    const runner = this.create(
      guildId,
      traitsOf(guild.features, guild.botPermissions === null ? null : BigInt(guild.botPermissions)),
    );
    await this.restoreState(runner, snapshot);
    return runner;
  }

  /**
   * What the guild's attribution had persisted: the baseline, and the open episode with its joins
   * (decided ones with their decision), so a late event after a restart can still revise them.
   */
  private async restoreState(runner: GuildRunner, snapshot: StoredSnapshot): Promise<void> {
    const { takenAt } = snapshot;
    if (takenAt === null) return;
    const state = snapshot.attributionState as EpisodeState | null;
    if (!state || !Array.isArray(state.fetches)) {
      runner.state.restore(snapshot.invites, snapshot.vanity, takenAt);
      return;
    }
    const rows = await this.read('load episode joins', () =>
      episodeJoins(this.deps.db, runner.guildId, takenAt),
    );
    const joins = rows.map((row) => {
      const joinedAt = row.joinedAt.toISOString();
      const join = {
        key: joinKey(row.memberId, joinedAt),
        memberId: row.memberId,
        joinedAt,
        joinedAtMs: row.joinedAt.getTime(),
        receivedAt: row.receivedAt.getTime(),
      };
      const decision: Decision | null =
        row.outcome === 'pending'
          ? null
          : {
              key: join.key,
              memberId: row.memberId,
              joinedAt,
              outcome: row.outcome,
              reason: row.reason as Decision['reason'],
              code: row.code,
              inviterId: row.inviterId,
              candidates: row.candidates,
            };
      return { join, decision };
    });
    runner.state.restore(snapshot.invites, snapshot.vanity, takenAt, { state, joins });
  }

  /** Reads wait out a database outage: the events that need them stay queued, nothing is dropped. */
  private read<T>(label: string, task: () => Promise<T>): Promise<T> {
    return retryUntilDone(label, task, {
      log: this.deps.log,
      onRetry: () => this.deps.metrics.dbRetries.inc(),
      isStopping: this.deps.isStopping,
    });
  }

  private create(guildId: string, traits: GuildTraits): GuildRunner {
    const runner = new GuildRunner(guildId, this.runnerDeps);
    runner.setTraits(traits);
    this.runners.set(guildId, runner);
    this.deps.metrics.guilds.set(this.runners.size);
    return runner;
  }

  /** Resolves when every guild's writes so far are done. */
  async idle(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.idle()));
  }

  /** At shutdown: lets every guild finish its writes, then stops its timers and fetches. */
  async stopAll(): Promise<void> {
    await this.idle();
    for (const runner of this.runners.values()) runner.stop();
  }

  remove(guildId: string): void {
    this.runners.get(guildId)?.stop();
    this.runners.delete(guildId);
    this.deps.metrics.guilds.set(this.runners.size);
  }

  wasDecided(guildId: string, key: string): boolean {
    const until = this.decided.get(`${guildId}:${key}`);
    if (until === undefined) return false;
    if (until < this.deps.now()) {
      this.decided.delete(`${guildId}:${key}`);
      return false;
    }
    return true;
  }

  /** Drops remembered decisions that can no longer be replayed; reports the timing windows. */
  sweep(): void {
    const now = this.deps.now();
    const windows = this.deps.timing.windows(now);
    this.deps.metrics.attributionWindows.set({ window: 'event' }, windows.eventMs / 1000);
    this.deps.metrics.attributionWindows.set({ window: 'increment_lag' }, windows.lagMs / 1000);
    for (const [key, until] of this.decided) if (until < now) this.decided.delete(key);
  }

  /**
   * At start: remember recent decisions and put joins that were still pending at the last stop back
   * into attribution (their uses are in the stored baseline's future, so they can still be paired).
   */
  async restore(shardCount: number, shardIds: readonly number[]): Promise<number> {
    const now = this.deps.now();
    const since = new Date(now - REMEMBER_DECIDED_MS);
    for (const row of await joinsDecidedSince(this.deps.db, shardCount, shardIds, since)) {
      const key = joinKey(row.memberId, row.joinedAt.toISOString());
      this.decided.set(`${row.guildId}:${key}`, now + REMEMBER_DECIDED_MS);
    }
    const pending = await pendingJoinsOnShards(this.deps.db, shardCount, shardIds);
    for (const row of pending) {
      const runner = await this.resolve(row.guildId);
      if (!runner) continue;
      const joinedAt = row.joinedAt.toISOString();
      runner.memberJoined(
        {
          key: joinKey(row.memberId, joinedAt),
          memberId: row.memberId,
          joinedAt,
          receivedAt: row.receivedAt.getTime(),
        },
        row.memberBot,
        { record: false },
      );
    }
    return pending.length;
  }
}
