/**
 * Writes that come by the thousand at a start (a guild row per GUILD_CREATE, a first baseline per
 * guild) are collected and stored together, one batch at a time: one multi-row write per batch
 * instead of one per guild, on one connection, so the others stay free for the joins. Each caller
 * waits for the batch that holds its item (its guild's later writes stay in order behind it).
 */
import { retryUntilDone, type RetryHooks } from './retry';

export type BatchOptions = {
  /** A batch is written at once when it holds this many items… */
  maxItems: number;
  /** …else this long after its first item (more arrive meanwhile). */
  delayMs: number;
};

export class BatchWriter<T> {
  private items: T[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;

  constructor(
    private readonly label: string,
    private readonly write: (items: T[]) => Promise<void>,
    private readonly options: BatchOptions,
    private readonly hooks: RetryHooks,
  ) {}

  /** Items waiting for their batch. */
  get waiting(): number {
    return this.items.length;
  }

  /** Resolves when the batch holding `item` is stored (retried until it is, as every write). */
  add(item: T): Promise<void> {
    this.items.push(item);
    const stored = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.items.length >= this.options.maxItems) this.flushSoon(0);
    else this.flushSoon(this.options.delayMs);
    return stored;
  }

  private flushSoon(delayMs: number): void {
    if (this.writing) return; // the running batch starts the next one when it ends
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.writing = this.flush().finally(() => {
        this.writing = null;
        if (this.items.length > 0)
          this.flushSoon(this.items.length >= this.options.maxItems ? 0 : this.options.delayMs);
      });
    }, delayMs);
  }

  private async flush(): Promise<void> {
    const items = this.items.splice(0, this.options.maxItems);
    const waiters = this.waiters.splice(0, items.length);
    try {
      await retryUntilDone(this.label, () => this.write(items), this.hooks);
      for (const w of waiters) w.resolve();
    } catch (error) {
      for (const w of waiters) w.reject(error);
    }
  }
}
