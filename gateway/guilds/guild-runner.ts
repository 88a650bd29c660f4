/**
 * The I/O shell around one guild's attribution state machine: it feeds it gateway events, performs
 * the fetches it asks for (through the shared FetchQueue), keeps its timer, and writes its output
 * through the guild's ordered chain of database writes. Everything for one guild runs serially.
 */
import type { API } from '@discordjs/core';
import type { Db } from '../../db/client';
import type { Logger } from '../../db/shared/log';
import { markInviteDeleted, storeCreatedInvite } from '../../db/queries/invites';
import { memberRolesChanged } from '../../db/queries/fair-play';
import { recordPendingJoins, type PendingJoinRecord } from '../../db/queries/joins';
import {
  botDecision,
  GuildAttribution,
  type AttributionConfig,
  type Output,
} from '../attribution/guild-attribution';
import type { TimingModel } from '../attribution/timing';
import type { InviteRecord, PendingJoin } from '../attribution/types';
import { fetchInvites, fetchRevokedCodes, isForbidden } from '../discord/invites-api';
import type { DiscordUser } from '../discord/payloads';
import type { SendClock } from '../discord/send-clock';
import type { Metrics } from '../ops/metrics';
import { writeGuildOutput } from '../persist/decision-writer';
import { writeLeave } from '../persist/leave-writer';
import { retryUntilDone, SerialChain } from '../persist/retry';
import type { FetchQueue } from './fetch-queue';

export type RunnerDeps = {
  db: Db;
  /** What the process measured about Discord's timing (shared by every guild). */
  timing: TimingModel;
  api: API;
  log: Logger;
  metrics: Metrics;
  config: AttributionConfig;
  fetchQueue: FetchQueue;
  now: () => number;
  /** Called after a decision with messages was committed. */
  onMessagesQueued: () => void;
  /** Called for every decision, before it is persisted (replay protection). */
  onDecided: (guildId: string, key: string) => void;
  isStopping: () => boolean;
  /** Tells when REST requests really leave (optional: without it, request time is used). */
  sendClock?: SendClock;
  /** Keeps the inviters' names and avatars the invite list carries (the user directory). */
  rememberUser?: (user: DiscordUser) => void;
  /**
   * Stores a baseline that comes without decisions (a guild's first fetch, mostly) together with
   * other guilds' (persist/batch-writer.ts); without it, each is written alone.
   */
  baselines?: { add: (snapshot: BaselineSnapshot) => Promise<void> };
};

export type BaselineSnapshot = NonNullable<Output['baseline']> & { guildId: string };

export type GuildTraits = { hasVanity: boolean; canAudit: boolean };

export function joinKey(memberId: string, joinedAt: string): string {
  return `${memberId}@${Date.parse(joinedAt)}`;
}

export class GuildRunner {
  readonly state: GuildAttribution;
  private hasVanity = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt: number | null = null;
  private queued = false;
  private isStopped = false;
  private readonly writes = new SerialChain();
  /**
   * Keys of bot joins, so their rows are stored with member_bot. Created on first use and dropped
   * when empty, as `receivedAt`: most guilds have no join waiting, and an empty Set or Map costs
   * about 180 bytes on a guild that holds little else.
   */
  private bots: Set<string> | null = null;
  /** When each waiting join was received, for the decision-latency metric. */
  private receivedAt: Map<string, number> | null = null;
  /**
   * Joins whose `record joins` write is queued but not started: joins arriving meanwhile go into the
   * same write (a raid is recorded in a few transactions, not one per join), until any other write
   * is queued after it, so every write stays in the order of its events.
   */
  private joinBatch: { joins: PendingJoinRecord[]; recorded: (() => void)[] } | null = null;

  constructor(
    readonly guildId: string,
    private readonly deps: RunnerDeps,
  ) {
    this.state = new GuildAttribution(guildId, deps.config, deps.timing);
  }

  /** The guild gained or lost the VANITY_URL feature. */
  setVanity(hasVanity: boolean): void {
    const gained = hasVanity && !this.hasVanity;
    this.hasVanity = hasVanity;
    if (!gained) return;
    // Read the new vanity counter now, so the first vanity join is counted from it.
    this.state.vanityGained();
    this.pump();
  }

  setTraits(traits: GuildTraits): void {
    this.hasVanity = traits.hasVanity;
    this.state.setCanAudit(traits.canAudit);
  }

  get stopped(): boolean {
    return this.isStopped;
  }

  /** After a lost session: the baseline stays put until `reconcile` brings the missed joins. */
  awaitReconcile(): void {
    this.state.awaitReconcile();
  }

  /** Writes pending in this guild's chain (for shutdown and tests). */
  get pendingWrites(): number {
    return this.writes.size;
  }

  idle(): Promise<void> {
    return this.writes.idle();
  }

  stop(): void {
    this.isStopped = true;
    this.clearTimer();
    this.deps.fetchQueue.remove(this.guildId);
  }

  /** Lets the state machine act (a new guild takes its first baseline). */
  wake(): void {
    this.pump();
  }

  /** The bot's roles or the guild's owner changed: a permission refused before may be granted now. */
  permissionsChanged(): void {
    this.state.permissionsChanged();
    this.pump();
  }

  /** GUILD_MEMBER_ADD (or a pending join restored after a restart, with `record: false`). */
  memberJoined(
    join: PendingJoin,
    bot: boolean,
    options: { record: boolean; onRecorded?: () => void; hasAvatar?: boolean | null },
  ): void {
    if (options.record) {
      this.recordJoin(
        {
          guildId: this.guildId,
          memberId: join.memberId,
          joinedAt: new Date(join.joinedAt),
          memberBot: bot,
          receivedAt: new Date(join.receivedAt),
          hasAvatar: options.hasAvatar ?? null,
        },
        options.onRecorded,
      );
    }
    (this.receivedAt ??= new Map()).set(join.key, join.receivedAt);
    if (bot) {
      (this.bots ??= new Set()).add(join.key);
      this.persist({ decisions: [botDecision(join)], revisions: [], baseline: null });
    } else {
      this.state.memberJoined(join, this.deps.now());
    }
    this.pump();
  }

  /** Members found to have joined while we were away (possibly none): decided against the stored baseline. */
  reconcile(missed: { join: PendingJoin; bot: boolean }[]): void {
    const humans: PendingJoin[] = [];
    for (const { join, bot } of missed) {
      this.recordJoin({
        guildId: this.guildId,
        memberId: join.memberId,
        joinedAt: new Date(join.joinedAt),
        memberBot: bot,
        receivedAt: new Date(join.receivedAt),
      });
      if (bot) {
        (this.bots ??= new Set()).add(join.key);
        this.persist({ decisions: [botDecision(join)], revisions: [], baseline: null });
      } else humans.push(join);
    }
    this.state.reconcileDowntime(humans, this.deps.now());
    this.pump();
  }

  inviteCreated(invite: Omit<InviteRecord, 'deletedAt'>, onStored?: () => void): void {
    this.state.inviteCreated(invite, this.deps.now());
    this.write('store invite', async () => {
      await storeCreatedInvite(this.deps.db, this.guildId, { ...invite, deletedAt: null });
      onStored?.();
    });
    this.pump();
  }

  inviteDeleted(code: string, onStored?: () => void): void {
    const now = this.deps.now();
    this.state.inviteDeleted(code, now);
    this.write('tombstone invite', async () => {
      await markInviteDeleted(this.deps.db, this.guildId, code, now);
      onStored?.();
    });
  }

  memberLeft(memberId: string, at: Date, onStored?: () => void): void {
    this.write('record leave', async () => {
      const { leave, messages } = await writeLeave(this.deps.db, this.guildId, memberId, at);
      if (leave && (leave.xpTakenBack > 0 || leave.forfeited)) {
        this.deps.log.info(
          { guildId: this.guildId, memberId, ...leave },
          'member left: reward forfeited or XP taken back',
        );
      }
      if (messages > 0) this.deps.onMessagesQueued();
      onStored?.();
    });
  }

  /** GUILD_MEMBER_UPDATE: the required role may release a waiting reward (after this guild's earlier writes). */
  memberRolesChanged(memberId: string, roles: readonly string[], onStored?: () => void): void {
    this.write('note member roles', async () => {
      const released = await memberRolesChanged(
        this.deps.db,
        this.guildId,
        memberId,
        roles,
        new Date(this.deps.now()),
      );
      for (const reward of released) {
        this.deps.log.info({ ...reward, cause: 'required_role' }, 'invite reward released');
      }
      onStored?.();
    });
  }

  /** Hands the state machine's output to the database and does what it asks next. */
  private pump(): void {
    if (this.isStopped) return;
    this.flush();
    const now = this.deps.now();
    const action = this.state.nextAction(now);
    this.flush();
    this.deps.log.debug({ guildId: this.guildId, action }, 'attribution step');
    switch (action.kind) {
      case 'fetch':
        this.clearTimer();
        if (!this.queued) {
          this.queued = true;
          this.deps.fetchQueue.enqueue(
            { guildId: this.guildId, run: () => this.fetch() },
            this.state.pendingJoins > 0,
          );
        } else if (this.state.pendingJoins > 0) {
          this.deps.fetchQueue.enqueue({ guildId: this.guildId, run: () => this.fetch() }, true);
        }
        return;
      case 'audit':
        this.clearTimer();
        void this.audit(action.codes);
        return;
      case 'wait':
        this.setTimer(action.until, now);
        return;
      case 'busy':
        return;
      case 'idle':
        this.clearTimer();
        return;
    }
  }

  private flush(): void {
    const output = this.state.takeOutput();
    if (
      output.decisions.length > 0 ||
      output.revisions.length > 0 ||
      output.baseline ||
      output.episode !== undefined
    ) {
      this.persist(output);
    }
  }

  private persist(output: Output): void {
    const { baselines } = this.deps;
    if (
      baselines &&
      output.baseline &&
      output.decisions.length === 0 &&
      output.revisions.length === 0 &&
      output.episode === undefined
    ) {
      const snapshot = { guildId: this.guildId, ...output.baseline };
      this.write('store baseline', () => baselines.add(snapshot));
      return;
    }
    for (const decision of output.decisions) this.deps.onDecided(this.guildId, decision.key);
    const bots = new Set(
      output.decisions.filter((d) => this.bots?.has(d.key) === true).map((d) => d.key),
    );
    this.write('store decisions', async () => {
      const written = await writeGuildOutput(this.deps.db, this.guildId, output, bots);
      const now = this.deps.now();
      for (const decision of output.decisions) {
        this.bots?.delete(decision.key);
        const received = this.receivedAt?.get(decision.key);
        this.receivedAt?.delete(decision.key);
        if (received !== undefined)
          this.deps.metrics.decisionLatency.observe((now - received) / 1000);
      }
      if (this.bots?.size === 0) this.bots = null;
      if (this.receivedAt?.size === 0) this.receivedAt = null;
      for (const w of written.decisions) {
        if (w.applied) this.deps.metrics.joins.inc({ outcome: w.outcome });
      }
      for (const r of written.revised) this.deps.metrics.revisions.inc({ cause: r.cause });
      if (output.decisions.length > 0) {
        this.deps.log.info(
          {
            guildId: this.guildId,
            decisions: written.decisions.map((w) => ({ member: w.memberId, outcome: w.outcome })),
          },
          'joins attributed',
        );
      }
      if (written.revised.length > 0) {
        this.deps.log.info(
          {
            guildId: this.guildId,
            revisions: written.revised.map((r) => ({
              member: r.next.memberId,
              from: r.previous.outcome,
              to: r.next.outcome,
              cause: r.cause,
            })),
          },
          'decisions revised',
        );
      }
      if (written.messages > 0) this.deps.onMessagesQueued();
    });
  }

  /** Stores a join as pending, together with the joins that arrive before its write starts. */
  private recordJoin(join: PendingJoinRecord, onRecorded?: () => void): void {
    if (this.joinBatch) {
      this.joinBatch.joins.push(join);
      if (onRecorded) this.joinBatch.recorded.push(onRecorded);
      return;
    }
    const batch = { joins: [join], recorded: onRecorded ? [onRecorded] : [] };
    this.write('record joins', async () => {
      if (this.joinBatch === batch) this.joinBatch = null;
      await recordPendingJoins(this.deps.db, this.guildId, batch.joins);
      for (const recorded of batch.recorded) recorded();
    });
    this.joinBatch = batch;
  }

  private write(label: string, task: () => Promise<void>): void {
    // A write queued after the open join batch must run after those joins too: close the batch.
    this.joinBatch = null;
    void this.writes
      .push(() =>
        retryUntilDone(label, task, {
          log: this.deps.log.child({ guildId: this.guildId }),
          onRetry: () => this.deps.metrics.dbRetries.inc(),
          isStopping: this.deps.isStopping,
        }),
      )
      .catch((error: unknown) => {
        this.deps.log.error(
          { err: error, guildId: this.guildId, task: label },
          'database write abandoned at shutdown',
        );
      });
  }

  private async fetch(): Promise<void> {
    this.queued = false;
    if (this.isStopped) return;
    const { api, now, metrics, log, sendClock } = this.deps;
    this.state.fetchStarted(now());
    const routes = [`/guilds/${this.guildId}/invites`];
    if (this.hasVanity) routes.push(`/guilds/${this.guildId}/vanity-url`);
    let sent = false;
    const markSent = () => {
      if (sent) return;
      sent = true;
      this.state.fetchSent(now());
    };
    for (const route of routes) sendClock?.onSent(route, markSent);
    try {
      const fetched = await fetchInvites(api, this.guildId, this.hasVanity, this.deps.rememberUser);
      metrics.inviteFetches.inc({ result: 'ok' });
      this.state.fetchSucceeded(fetched, now());
    } catch (error) {
      if (isForbidden(error)) {
        metrics.inviteFetches.inc({ result: 'forbidden' });
        log.warn({ guildId: this.guildId }, 'cannot read invites: the bot lacks Manage Server');
        this.state.fetchForbidden(now());
      } else {
        metrics.inviteFetches.inc({ result: 'error' });
        log.warn({ guildId: this.guildId, err: error }, 'invite fetch failed; will retry');
        this.state.fetchFailed(now());
      }
    } finally {
      for (const route of routes) sendClock?.forget(route);
    }
    this.pump();
  }

  private async audit(codes: string[]): Promise<void> {
    const { api, now, log } = this.deps;
    this.state.auditStarted(now());
    try {
      const revoked = await fetchRevokedCodes(api, this.guildId, codes);
      this.state.auditSucceeded(codes, revoked, now());
    } catch (error) {
      log.warn(
        { guildId: this.guildId, err: error },
        'audit log unavailable; used-up invites stay unconfirmed',
      );
      this.state.auditFailed(now());
    }
    this.pump();
  }

  private setTimer(until: number, now: number): void {
    if (this.timer && this.timerAt === until) return;
    this.clearTimer();
    this.timerAt = until;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerAt = null;
        this.pump();
      },
      Math.max(0, until - now),
    );
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = null;
  }
}
