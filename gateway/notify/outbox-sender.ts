/**
 * Sends outbox messages after their decisions committed: invite-log lines and inviter DMs.
 *
 * - Every POST carries the row's nonce with `enforce_nonce`, so a retry after an unclear failure
 *   (timeout, 5xx) returns the original message instead of posting twice.
 * - During a join burst the log channel's rate limit (5 messages per 5 s) would let lines pile up
 *   for minutes: all lines waiting for one channel become one message, showing up to 20 of them and
 *   summarising the rest ("… und 180 weitere Beitritte"). The grouping is stored before sending, so
 *   a retry resends exactly the same message. After two messages in quick succession a channel
 *   gets one log message per 1.1 s, and never more than 5 in 5.5 s: sent as fast as lines come,
 *   five messages would use up the limit and the sixth wait out the rest of its five seconds in
 *   the REST queue, with every line decided meanwhile behind it.
 * - A revision rewrites a line that was already posted: an `edit` row PATCHes that message with
 *   the line's new text (the whole combined message when it was part of a burst), once the line
 *   itself was sent.
 * - A reward-role row adds or removes one role of one member: it applies what the bot's record
 *   (`reward_role_grants`) says at send time, so rows for the same member and role claimed together
 *   become one call and a later change always wins. Discord's role PUT/DELETE are idempotent.
 * - Failures Discord will never accept (closed DMs 50007, missing permissions, unknown channel)
 *   are recorded and not retried. Others are retried here, the only retry layer (the REST client
 *   does not retry): capped exponential backoff with full jitter, half a minute at most between
 *   tries of a log line, until the message is a day old.
 */
import type { API } from '@discordjs/core';
import { DiscordAPIError } from '@discordjs/rest';
import type { APIMessage, RESTPostAPIChannelMessageJSONBody } from 'discord-api-types/v10';
import type { Db } from '../../db/client';
import type { Logger } from '../../db/shared/log';
import {
  claimDueMessages,
  groupRows,
  logRowsOfJoins,
  markFailed,
  markRetry,
  markSent,
  newNonce,
  outboxBacklog,
  pruneOutbox,
  setGroupNonce,
  type ClaimedMessage,
  type OutboxRow,
} from '../../db/queries/outbox';
import { roleGranted } from '../../db/queries/reward-roles';
import { MAX_MESSAGE_LENGTH } from '../../db/shared/templates';
import type { Metrics } from '../ops/metrics';
import { moreJoinsLine } from '../i18n';
import type { MessageBody } from '../../db/shared/render';
import { backoffMs, type Backoff } from '../discord/retry';
import type { SendClock } from '../discord/send-clock';

/** Between tries: a log line should appear soon after Discord recovers; a DM can wait longer. */
const BACKOFF: Record<Send['kind'] | 'role', Backoff> = {
  log: { baseMs: 1000, capMs: 30_000 },
  role: { baseMs: 2000, capMs: 60_000 },
  edit: { baseMs: 1000, capMs: 30_000 },
  dm: { baseMs: 2000, capMs: 300_000 },
};
/** An edit whose line is not sent yet looks again after this long. */
const EDIT_WAIT_SECONDS = 5;
/** A message still unsent after this long is given up (it would only confuse as news). */
const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;
const MAX_LINES_PER_MESSAGE = 20;
/** Sent and failed messages are kept this long (for inspection), then pruned. */
const KEEP_SENT_DAYS = 30;
/** Rows claimed per run; also the most joins one summary message can stand for. */
const CLAIM_LIMIT = 500;
/** Log messages per channel: Discord allows 5 per 5 s; we keep to 5 per 5.5 s (latency varies). */
const LOG_WINDOW = { count: 5, ms: 5500 };
/** Two messages go at once; after them one per this long (the window's sustained pace). */
const LOG_FREE = 2;
const LOG_SPACING_MS = LOG_WINDOW.ms / LOG_WINDOW.count;

type Send = {
  rows: ClaimedMessage[];
  kind: 'log' | 'dm' | 'edit';
  targetId: string;
  body: MessageBody;
  nonce: string;
  /** For an edit: the message to change. */
  messageId?: string;
};

export type OutboxSenderOptions = {
  db: Db;
  api: API;
  log: Logger;
  metrics: Metrics;
  shardCount: number;
  shardIds: readonly number[];
  pollMs: number;
  /** A message was created: when the request left (our clock) and its timestamp (Discord's). */
  onCreated?: (sentAt: number, createdAt: number) => void;
  /** Tells when a request really leaves the REST client's queue (for `onCreated`). */
  sendClock?: SendClock;
  /**
   * A claimed row comes back after this long if its sender died. A second send after that is
   * harmless (same nonce), so short is fine; it only has to outlast one send with rate-limit waits.
   */
  leaseSeconds: number;
};

export class OutboxSender {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly dmChannels = new Map<string, string>();
  /** When log messages were posted to each channel within the last LOG_WINDOW (oldest first). */
  private readonly recentLogs = new Map<string, number[]>();
  private spacingTimer: NodeJS.Timeout | null = null;
  /** Messages still to send after the last run (what a held channel may be waiting with). */
  private backlog = 0;

  constructor(private readonly options: OutboxSenderOptions) {}

  start(): void {
    const poll = () => {
      this.wake();
      this.timer = setTimeout(poll, this.options.pollMs);
      this.timer.unref?.();
    };
    poll();
    const prune = () => {
      pruneOutbox(this.options.db, {
        days: KEEP_SENT_DAYS,
        shardCount: this.options.shardCount,
        shardIds: this.options.shardIds,
      })
        .then((n) => n > 0 && this.options.log.info({ deleted: n }, 'pruned old outbox messages'))
        .catch((err: unknown) => this.options.log.warn({ err }, 'could not prune the outbox'));
    };
    prune();
    this.pruneTimer = setInterval(prune, 60 * 60_000);
    this.pruneTimer.unref?.();
  }

  /** Sends what is due now (coalesces calls while a run is in progress). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  /** Stops polling and waits for the send in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.spacingTimer) clearTimeout(this.spacingTimer);
    await this.running;
  }

  /** Resolves when nothing is being sent, nor held back for a channel's pace. */
  async drained(): Promise<void> {
    for (;;) {
      if (this.running) await this.running;
      else if (this.spacingTimer && this.backlog > 0)
        await new Promise((resolve) => setTimeout(resolve, 50));
      else return;
    }
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        const claimed = await claimDueMessages(this.options.db, {
          limit: CLAIM_LIMIT,
          leaseSeconds: this.options.leaseSeconds,
          shardCount: this.options.shardCount,
          shardIds: this.options.shardIds,
          holdLogChannels: this.heldLogChannels(),
        });
        if (claimed.length > 0) {
          const roles = claimed.filter((r) => r.kind === 'role');
          const messages = claimed.filter((r) => r.kind !== 'role');
          const sends = await this.plan(messages);
          const now = Date.now();
          for (const send of sends) {
            if (send.kind !== 'log') continue;
            const times = this.recentLogs.get(send.targetId) ?? [];
            times.push(now);
            this.recentLogs.set(send.targetId, times);
          }
          await Promise.all([
            ...sends.map((send) => this.send(send)),
            ...roleGroups(roles).map((rows) => this.sendRole(rows)),
          ]);
          this.again = true;
        }
        const backlog = await outboxBacklog(this.options.db, this.options);
        this.backlog = backlog.count;
        this.options.metrics.outboxBacklog.set(backlog.count);
        this.options.metrics.outboxBacklogAge.set(backlog.oldestAgeSeconds);
      } catch (error) {
        this.options.log.warn({ err: error }, 'outbox run failed; will retry');
        return;
      }
    } while (this.again && !this.stopped);
  }

  /**
   * The log channels that may not get a message yet (see LOG_WINDOW); their lines are claimed once
   * they may (a timer wakes the sender then).
   */
  private heldLogChannels(): string[] {
    const now = Date.now();
    const held: string[] = [];
    let next = Infinity;
    for (const [channel, all] of this.recentLogs) {
      const times = all.filter((at) => at > now - LOG_WINDOW.ms);
      if (times.length === 0) {
        this.recentLogs.delete(channel);
        continue;
      }
      this.recentLogs.set(channel, times);
      const freeAt = Math.max(
        times.length >= LOG_FREE ? times.at(-1)! + LOG_SPACING_MS : 0,
        times.length >= LOG_WINDOW.count ? times.at(-LOG_WINDOW.count)! + LOG_WINDOW.ms : 0,
      );
      if (freeAt <= now) continue;
      held.push(channel);
      next = Math.min(next, freeAt);
    }
    if (next !== Infinity && !this.spacingTimer && !this.stopped) {
      this.spacingTimer = setTimeout(() => {
        this.spacingTimer = null;
        this.wake();
      }, next - now);
      this.spacingTimer.unref?.();
    }
    return held;
  }

  /** Groups claimed rows into messages: DMs alone, log lines per channel (keeping earlier groups). */
  private async plan(rows: ClaimedMessage[]): Promise<Send[]> {
    const sends: Send[] = [];
    const regrouped = new Map<string, ClaimedMessage[]>();
    const fresh = new Map<string, ClaimedMessage[]>();
    for (const row of rows) {
      if (row.kind === 'edit') continue;
      if (row.kind === 'dm') sends.push(this.single(row));
      else if (row.groupNonce)
        regrouped.set(row.groupNonce, [...(regrouped.get(row.groupNonce) ?? []), row]);
      else fresh.set(row.targetId, [...(fresh.get(row.targetId) ?? []), row]);
    }
    sends.push(...(await this.edits(rows.filter((row) => row.kind === 'edit'))));
    for (const [nonce, group] of regrouped) sends.push(this.combined(group, nonce));
    for (const group of fresh.values()) {
      if (group.length === 1) {
        sends.push(this.single(group[0]!));
        continue;
      }
      const nonce = newNonce();
      await setGroupNonce(
        this.options.db,
        group.map((r) => r.id),
        nonce,
      );
      sends.push(this.combined(group, nonce));
    }
    return sends;
  }

  private single(row: ClaimedMessage): Send {
    return {
      rows: [row],
      kind: row.kind === 'dm' ? 'dm' : 'log',
      targetId: row.targetId,
      body: row.body as MessageBody,
      nonce: row.nonce,
    };
  }

  /** One message for several log lines: as many as fit, then a summary of the rest. */
  private combined(rows: ClaimedMessage[], nonce: string): Send {
    return {
      rows,
      kind: 'log',
      targetId: rows[0]!.targetId,
      nonce,
      body: combineLines(rows.map((r) => r.body as MessageBody)),
    };
  }

  /**
   * The PATCHes edit rows ask for: each revised line's message with its current text, one PATCH
   * per message however many of its lines were revised (a burst's revisions would otherwise PATCH
   * its combined message once per line, at the channel's pace). A line still to be sent: look again
   * soon; one never delivered: nothing to edit.
   */
  private async edits(rows: ClaimedMessage[]): Promise<Send[]> {
    if (rows.length === 0) return [];
    const { db } = this.options;
    const lines = await logRowsOfJoins(
      db,
      rows.flatMap((row) => (row.joinId === null ? [] : [row.joinId])),
    );
    const never: number[] = [];
    const later: number[] = [];
    const byMessage = new Map<string, { rows: ClaimedMessage[]; line: OutboxRow }>();
    for (const row of rows) {
      const line = row.joinId === null ? undefined : lines.get(row.joinId);
      if (!line || line.status === 'failed' || (line.status === 'sent' && !line.messageId)) {
        never.push(row.id);
      } else if (line.status === 'pending') later.push(row.id);
      else {
        const same = byMessage.get(line.messageId!);
        if (same) same.rows.push(row);
        else byMessage.set(line.messageId!, { rows: [row], line });
      }
    }
    if (never.length > 0) await markFailed(db, never, 'the line to correct was never posted');
    if (later.length > 0) {
      await markRetry(db, later, EDIT_WAIT_SECONDS, 'waiting for the line to be posted');
    }
    const sends: Send[] = [];
    for (const [messageId, { rows: edits, line }] of byMessage) {
      const bodies = line.groupNonce
        ? (await groupRows(db, line.groupNonce)).map((r) => r.body as MessageBody)
        : [line.body as MessageBody];
      sends.push({
        rows: edits,
        kind: 'edit',
        targetId: line.targetId,
        body: combineLines(bodies),
        nonce: edits[0]!.nonce,
        messageId,
      });
    }
    return sends;
  }

  private async send(send: Send): Promise<void> {
    const { api, db, log, metrics } = this.options;
    const ids = send.rows.map((r) => r.id);
    try {
      const channelId = send.kind === 'dm' ? await this.dmChannel(send.targetId) : send.targetId;
      const { content, allowed_mentions } = send.body;
      // Whatever the stored body says, never let a message ping roles, @everyone or @here.
      const mentions = { parse: [], users: (allowed_mentions?.users ?? []).slice(0, 100) };
      const message = send.messageId
        ? await api.channels.editMessage(channelId, send.messageId, {
            content,
            allowed_mentions: mentions,
          })
        : await this.create(channelId, {
            content,
            allowed_mentions: mentions,
            nonce: send.nonce,
            enforce_nonce: true,
          });
      await markSent(db, ids, message.id);
      metrics.outboxSent.inc({ kind: send.kind, result: 'sent' }, ids.length);
    } catch (error) {
      const code = error instanceof DiscordAPIError ? Number(error.code) : null;
      const reason = error instanceof Error ? error.message : String(error);
      // A 4xx (DMs closed 50007, Missing Permissions 50013, Unknown Channel/Message, …) will not
      // change on a retry; 429s are waited out by the REST client and never get here.
      const status = error instanceof DiscordAPIError ? error.status : null;
      const refused = status !== null && status >= 400 && status < 500 && status !== 429;
      const attempts = Math.max(...send.rows.map((r) => r.attempts));
      const oldest = Math.min(...send.rows.map((r) => r.createdAt.getTime()));
      const tooOld = Date.now() - oldest > GIVE_UP_AFTER_MS;
      if (refused || tooOld) {
        await markFailed(db, ids, reason);
        metrics.outboxSent.inc({ kind: send.kind, result: 'failed' }, ids.length);
        log.warn(
          { kind: send.kind, targetId: send.targetId, code, reason },
          'message could not be delivered; not retrying',
        );
      } else {
        const delay = backoffMs(attempts - 1, BACKOFF[send.kind]) / 1000;
        await markRetry(db, ids, delay, reason);
        metrics.outboxSent.inc({ kind: send.kind, result: 'retry' }, ids.length);
        log.warn(
          { kind: send.kind, targetId: send.targetId, reason, retryInS: delay },
          'message send failed; will retry',
        );
      }
    }
  }

  /**
   * One member's role, as the bot's record says now: PUT when it should be held, DELETE when not.
   * A refusal (403 Missing Permissions, the role above the bot's, 404 member gone) is final and
   * recorded for the permission doctor; other failures are retried with backoff like messages.
   */
  private async sendRole(rows: ClaimedMessage[]): Promise<void> {
    const { api, db, log, metrics } = this.options;
    const ids = rows.map((r) => r.id);
    const { guildId, targetId: userId } = rows[0]!;
    const roleId = String((rows[0]!.body as { roleId?: unknown }).roleId ?? '');
    try {
      const add = await roleGranted(db, guildId, userId, roleId);
      const reason = 'Invite Tracker: reward role';
      if (add) await api.guilds.addRoleToMember(guildId, userId, roleId, { reason });
      else await api.guilds.removeRoleFromMember(guildId, userId, roleId, { reason });
      await markSent(db, ids, null);
      metrics.outboxSent.inc({ kind: 'role', result: 'sent' }, ids.length);
      log.info({ guildId, userId, roleId, action: add ? 'add' : 'remove' }, 'reward role changed');
    } catch (error) {
      const status = error instanceof DiscordAPIError ? error.status : null;
      const code = error instanceof DiscordAPIError ? Number(error.code) : null;
      const reason = error instanceof Error ? error.message : String(error);
      const refused = status !== null && status >= 400 && status < 500 && status !== 429;
      const tooOld =
        Date.now() - Math.min(...rows.map((r) => r.createdAt.getTime())) > GIVE_UP_AFTER_MS;
      if (refused || tooOld) {
        await markFailed(db, ids, code ? `${code} ${reason}` : reason);
        metrics.outboxSent.inc({ kind: 'role', result: 'failed' }, ids.length);
        log.warn({ guildId, userId, roleId, code, reason }, 'reward role refused; not retrying');
      } else {
        const attempts = Math.max(...rows.map((r) => r.attempts));
        const delay = backoffMs(attempts - 1, BACKOFF.role) / 1000;
        await markRetry(db, ids, delay, reason);
        metrics.outboxSent.inc({ kind: 'role', result: 'retry' }, ids.length);
        log.warn(
          { guildId, userId, roleId, reason, retryInS: delay },
          'reward role failed; will retry',
        );
      }
    }
  }

  /**
   * Posts a message and reports when the request really left (after rate-limit waits) with the
   * timestamp Discord gave it: a lower bound on the clock offset attribution works with.
   */
  private async create(
    channelId: string,
    body: RESTPostAPIChannelMessageJSONBody,
  ): Promise<APIMessage> {
    const { api, sendClock, onCreated } = this.options;
    const route = `/channels/${channelId}/messages`;
    let sentAt = Date.now();
    sendClock?.onSent(route, () => (sentAt = Date.now()));
    try {
      const message = await api.channels.createMessage(channelId, body);
      onCreated?.(sentAt, Date.parse(message.timestamp));
      return message;
    } finally {
      sendClock?.forget(route);
    }
  }

  private async dmChannel(userId: string): Promise<string> {
    const known = this.dmChannels.get(userId);
    if (known) return known;
    const channel = await this.options.api.users.createDM(userId);
    if (this.dmChannels.size > 10_000) this.dmChannels.delete(this.dmChannels.keys().next().value!);
    this.dmChannels.set(userId, channel.id);
    return channel.id;
  }
}

/** Role rows per guild, member and role: one call each, whatever the rows asked in between. */
function roleGroups(rows: ClaimedMessage[]): ClaimedMessage[][] {
  const groups = new Map<string, ClaimedMessage[]>();
  for (const row of rows) {
    const key = `${row.guildId}|${row.targetId}|${String((row.body as { roleId?: unknown }).roleId)}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()];
}

/** Log lines as one message: as many as fit, then a summary of the rest. */
function combineLines(bodies: MessageBody[]): MessageBody {
  if (bodies.length === 1) return bodies[0]!;
  const shown = linesThatFit(bodies);
  const rest = bodies.length - shown.length;
  const lines = shown.map((b) => b.content);
  if (rest > 0) lines.push(moreJoinsLine(bodies[0]!.locale ?? 'de', rest));
  const users = [...new Set(shown.flatMap((b) => b.allowed_mentions.users))];
  return { content: lines.join('\n'), allowed_mentions: { parse: [], users } };
}

/** The first lines that fit one message, leaving room for the summary line. */
function linesThatFit(bodies: MessageBody[]): MessageBody[] {
  const room = MAX_MESSAGE_LENGTH - 100;
  const shown: MessageBody[] = [];
  let length = 0;
  for (const body of bodies) {
    if (shown.length >= MAX_LINES_PER_MESSAGE || length + body.content.length + 1 > room) break;
    shown.push(body);
    length += body.content.length + 1;
  }
  return shown;
}
