/**
 * Keeps the bot's requests under Discord's global limit (50 per second unless Discord raised it) in
 * every sliding window of a second plus a margin. @discordjs/rest counts the limit in fixed windows
 * of its own that start with a request, waiting 50 ms (its `offset`) past each; Discord's windows
 * start when requests arrive. When latency differs by more than that between requests, a fast
 * request of the next window lands in Discord's previous one: a 429 caused by nobody but us, several
 * per start while the priming fetches run at the limit for minutes. The margin here covers 100 ms
 * of spread without delaying per-route rate limits (a larger `offset` would). Requests with an
 * interaction or webhook token are exempt on Discord and are not paced.
 */
export type PacerClock = { now: () => number; sleep: (ms: number) => Promise<void> };

const realClock: PacerClock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class RequestPacer {
  /** Send times of the last `limit` paced requests (a ring). */
  private readonly sent: number[] = [];
  private next = 0;
  private queue: Promise<void> = Promise.resolve();
  private waitingCount = 0;

  /**
   * At most `limit` requests leave in any `windowMs` (Discord's window plus a margin for latency
   * that differs between requests).
   */
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly clock: PacerClock = realClock,
  ) {}

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Resolves when a request may leave; requests leave in the order they asked. */
  take(): Promise<void> {
    this.waitingCount += 1;
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = this.clock.now();
        const oldest = this.sent.length < this.limit ? null : this.sent[this.next]!;
        if (oldest === null || now - oldest >= this.windowMs) {
          if (this.sent.length < this.limit) this.sent.push(now);
          else this.sent[this.next] = now;
          this.next = (this.next + 1) % this.limit;
          this.waitingCount -= 1;
          return;
        }
        await this.clock.sleep(oldest + this.windowMs - now);
      }
    });
    this.queue = turn;
    return turn;
  }
}

/** Paths Discord does not count against the global limit (interaction callbacks, webhooks). */
export function isGloballyLimited(url: string): boolean {
  const path = new URL(url).pathname.replace(/^.*?\/v\d+(?=\/)/, '');
  return !path.startsWith('/interactions/') && !path.startsWith('/webhooks/');
}
