/**
 * Limits how many invite fetches run at once across all guilds, and serves guilds with joins waiting
 * before guilds that only (re)take a baseline: after a restart thousands of guilds want a first
 * fetch, and a join must not wait behind all of them. @discordjs/rest still owns rate limits.
 */
export type FetchJob = { guildId: string; run: () => Promise<void> };

export class FetchQueue {
  private readonly urgent = new Map<string, FetchJob>();
  private readonly background = new Map<string, FetchJob>();
  private running = 0;
  private backgroundRan = false;

  /** `onDrained`: every background fetch queued so far is done (e.g. the start's priming). */
  constructor(
    private readonly concurrency: number,
    private readonly hooks: { onDrained?: () => void } = {},
  ) {}

  get waiting(): number {
    return this.urgent.size + this.background.size;
  }

  /** Queues a guild's fetch once; asking again as urgent moves it ahead. */
  enqueue(job: FetchJob, urgent: boolean): void {
    if (this.urgent.has(job.guildId)) return;
    if (urgent) {
      this.background.delete(job.guildId);
      this.urgent.set(job.guildId, job);
    } else if (!this.background.has(job.guildId)) {
      this.background.set(job.guildId, job);
    }
    this.drain();
  }

  remove(guildId: string): void {
    this.urgent.delete(guildId);
    this.background.delete(guildId);
  }

  private drain(): void {
    while (this.running < this.concurrency) {
      let next = this.take(this.urgent);
      if (!next) {
        next = this.take(this.background);
        if (next) this.backgroundRan = true;
      }
      if (!next) return;
      this.running += 1;
      void next.run().finally(() => {
        this.running -= 1;
        this.drain();
        if (this.running === 0 && this.waiting === 0 && this.backgroundRan) {
          this.backgroundRan = false;
          this.hooks.onDrained?.();
        }
      });
    }
  }

  private take(queue: Map<string, FetchJob>): FetchJob | undefined {
    const first = queue.values().next();
    if (first.done) return undefined;
    queue.delete(first.value.guildId);
    return first.value;
  }
}
