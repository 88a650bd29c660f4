/**
 * The durable reward timer: rewards waiting for a minimum stay have their due time in Postgres
 * (`member_joins.reward_due_at`), so a restart loses none. Each tick releases the due rewards of
 * this process's shards, a batch at a time, through the guarded UPDATE in db/queries/fair-play.ts:
 * exactly once even when two processes or a retry race. Ticks never overlap.
 */
import type { Db } from '../../db/client';
import type { Logger } from '../../db/shared/log';
import { releaseDueRewards } from '../../db/queries/fair-play';

export type RewardTimerOptions = {
  db: Db;
  log: Logger;
  shardCount: number;
  shardIds: readonly number[];
  /** The clock the due times are compared with (tests move it forward). */
  now: () => number;
  batch?: number;
};

export class RewardTimer {
  private running: Promise<number> | null = null;

  constructor(private readonly options: RewardTimerOptions) {}

  /** Releases everything due now; returns how many rewards it released. */
  tick(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    const { db, log, shardCount, shardIds, now } = this.options;
    const batch = this.options.batch ?? 200;
    let total = 0;
    for (;;) {
      const released = await releaseDueRewards(
        db,
        new Date(now()),
        { shardCount, shardIds },
        batch,
      );
      for (const reward of released) {
        log.info({ ...reward, cause: 'minimum_stay' }, 'invite reward released');
      }
      total += released.length;
      if (released.length < batch) return total;
    }
  }
}
