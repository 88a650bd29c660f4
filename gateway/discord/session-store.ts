/**
 * Gateway sessions for @discordjs/ws, persisted so a restarted process RESUMEs and Discord replays
 * what it missed. The sequence we hand out (and persist) is a watermark: the highest sequence whose
 * dispatch and every one before it has been durably handled. Resuming from it may replay events we
 * already handled (our handlers are idempotent) but never skips one we had not stored yet.
 */
import type { SessionInfo } from '@discordjs/ws';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import type { Logger } from '../../db/shared/log';
import { gatewaySessions } from '../../db/schema';

class Watermark {
  private readonly inFlight = new Set<number>();
  private latest = 0;

  constructor(start: number) {
    this.latest = start;
  }

  begin(sequence: number): () => void {
    this.inFlight.add(sequence);
    if (sequence > this.latest) this.latest = sequence;
    return () => {
      this.inFlight.delete(sequence);
    };
  }

  get value(): number {
    let lowest = Infinity;
    for (const s of this.inFlight) if (s < lowest) lowest = s;
    return lowest === Infinity ? this.latest : lowest - 1;
  }
}

export class SessionStore {
  private readonly sessions = new Map<number, SessionInfo>();
  private readonly marks = new Map<number, Watermark>();
  private readonly persisted = new Map<number, string>();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  /** Loads sessions persisted by a previous process for these shards (same shard count only). */
  async load(shardIds: readonly number[], shardCount: number): Promise<void> {
    const rows = await this.db.select().from(gatewaySessions);
    for (const row of rows) {
      if (!shardIds.includes(row.shardId) || row.shardCount !== shardCount) continue;
      this.set({
        shardId: row.shardId,
        shardCount: row.shardCount,
        sessionId: row.sessionId,
        resumeURL: row.resumeUrl,
        sequence: row.sequence,
      });
      this.persisted.set(row.shardId, this.fingerprint(row.shardId));
      this.log.info(
        { shardId: row.shardId, sequence: row.sequence },
        'found a gateway session to resume',
      );
    }
  }

  /** For WebSocketManager's `retrieveSessionInfo`. */
  retrieve = (shardId: number): SessionInfo | null => {
    const session = this.sessions.get(shardId);
    if (!session) return null;
    return { ...session, sequence: this.marks.get(shardId)?.value ?? session.sequence };
  };

  /** For WebSocketManager's `updateSessionInfo`: keeps ids and URL; sequences come from `begin`. */
  update = (shardId: number, info: SessionInfo | null): void => {
    if (!info) {
      this.sessions.delete(shardId);
      this.marks.delete(shardId);
      return;
    }
    const known = this.sessions.get(shardId);
    if (!known || known.sessionId !== info.sessionId) this.set(info);
    else this.sessions.set(shardId, { ...info, sequence: known.sequence });
  };

  /** Marks a dispatch as being handled; call the returned function once it is durably handled. */
  begin(shardId: number, sequence: number): () => void {
    return this.marks.get(shardId)?.begin(sequence) ?? (() => {});
  }

  /** Persists sessions whose watermark moved (called every second or so, and at shutdown). */
  async flush(): Promise<void> {
    for (const shardId of new Set([...this.sessions.keys(), ...this.persisted.keys()])) {
      const fingerprint = this.fingerprint(shardId);
      if (this.persisted.get(shardId) === fingerprint) continue;
      const session = this.retrieve(shardId);
      if (!session) {
        await this.db.delete(gatewaySessions).where(eq(gatewaySessions.shardId, shardId));
        this.persisted.delete(shardId);
        continue;
      }
      const values = {
        shardId,
        shardCount: session.shardCount,
        sessionId: session.sessionId,
        resumeUrl: session.resumeURL,
        sequence: session.sequence,
      };
      await this.db
        .insert(gatewaySessions)
        .values(values)
        .onConflictDoUpdate({
          target: gatewaySessions.shardId,
          set: { ...values, updatedAt: sql`now()` },
        });
      this.persisted.set(shardId, fingerprint);
    }
  }

  private set(info: SessionInfo): void {
    this.sessions.set(info.shardId, info);
    this.marks.set(info.shardId, new Watermark(info.sequence));
  }

  private fingerprint(shardId: number): string {
    const session = this.retrieve(shardId);
    return session ? `${session.sessionId}:${session.sequence}:${session.resumeURL}` : '';
  }
}
