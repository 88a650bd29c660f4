/**
 * Database writes that must not be lost: retried with backoff until they succeed, so a Postgres
 * outage delays writes instead of dropping them. Each guild has one ordered chain of writes.
 */
import type { Logger } from '../../db/shared/log';

const BACKOFF_MS = [200, 500, 1000, 2000, 5000, 10_000, 30_000];

export type RetryHooks = { log: Logger; onRetry?: () => void; isStopping?: () => boolean };

export async function retryUntilDone<T>(
  label: string,
  task: () => Promise<T>,
  hooks: RetryHooks,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (hooks.isStopping?.() && attempt >= 2) throw error;
      const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
      hooks.onRetry?.();
      hooks.log.warn(
        { err: error, task: label, attempt: attempt + 1, retryInMs: delay },
        'database write failed; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * Runs tasks one after another, in the order they were added. An idle chain holds no promise (one
 * per guild, thousands of them idle, each would keep a resolved promise alive).
 */
export class SerialChain {
  private tail: Promise<void> | null = null;
  private pending = 0;

  get size(): number {
    return this.pending;
  }

  push(task: () => Promise<void>): Promise<void> {
    this.pending += 1;
    const run = (this.tail ?? Promise.resolve()).then(task).finally(() => {
      this.pending -= 1;
    });
    const tail = run.catch(() => {});
    this.tail = tail;
    void tail.then(() => {
      if (this.tail === tail) this.tail = null;
    });
    return run;
  }

  /** Resolves when everything added so far has run. */
  idle(): Promise<void> {
    return this.tail ?? Promise.resolve();
  }
}
