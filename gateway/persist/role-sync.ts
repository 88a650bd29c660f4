/**
 * "Sync roles" from the dashboard: a job row the dashboard creates and this worker goes through, a
 * page of inviters per transaction (their tier roles re-applied, the changes queued in the outbox,
 * the job's cursor and progress moved in the same transaction), so a restart continues where it
 * stopped and the page shows progress. Only this process's shards' guilds; runs never overlap.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { onShards } from '../../db/queries/joins';
import { roleSyncPending, runRoleSyncPage } from '../../db/queries/reward-roles';
import type { Logger } from '../../db/shared/log';

export type RoleSyncOptions = {
  db: Db;
  log: Logger;
  shardCount: number;
  shardIds: readonly number[];
  /** Called after each page, so the outbox sends the queued role changes without waiting a poll. */
  onQueued: () => void;
  pageSize?: number;
};

export class RoleSyncWorker {
  private running: Promise<number> | null = null;

  constructor(private readonly options: RoleSyncOptions) {}

  /** Works through every running job of these shards; returns the pages done. */
  tick(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    const { db, log, shardCount, shardIds, onQueued } = this.options;
    const where = onShards(sql`"role_sync_jobs"."guild_id"`, shardCount, shardIds);
    let pages = 0;
    // Mostly nothing runs: a plain indexed read, no transaction, on every poll.
    if (!(await roleSyncPending(db, where))) return 0;
    for (;;) {
      const page = await runRoleSyncPage(db, where, this.options.pageSize ?? 200);
      if (!page) return pages;
      pages += 1;
      onQueued();
      if (page.finished) log.info(page, 'reward roles synced');
    }
  }
}
