/**
 * The REST proxy's global limit: at most `limit` requests in any `windowMs` (a sliding window, in
 * the order they asked). @discordjs/rest's own global limit counts fixed windows that start with a
 * request; Discord's (and the simulator's) windows start when requests arrive, so jitter of a few
 * tens of milliseconds between the two put 51 requests into one of Discord's seconds now and then
 * (measured on the simulator: 49 global 429s while three processes primed 3,000 guilds). A sliding
 * window longer than a second has no edges to fall over: any second of arrivals holds at most
 * `limit` requests as long as the jitter stays below the margin (on a 2-core machine shared by
 * several test runs: 8 429s left with 100 ms, 0 or 1 with 250 ms; none with 500 ms).
 */
export class GlobalPacer {
  /** Send times of the last `limit` requests, oldest first (a ring). */
  private readonly sent: number[];
  private next = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.sent = new Array<number>(limit).fill(-Infinity);
  }

  /** How long the next request must wait (0: it may go now). */
  waitMs(): number {
    return Math.max(0, this.sent[this.next]! + this.windowMs - this.now());
  }

  /** Resolves when the caller may send; callers go in the order they asked. */
  acquire(): Promise<void> {
    const turn = this.queue.then(async () => {
      for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) await this.sleep(wait);
      this.sent[this.next] = this.now();
      this.next = (this.next + 1) % this.limit;
    });
    this.queue = turn;
    return turn;
  }
}

/** Discord's global limit covers bot-token requests except interaction responses and webhooks. */
export function countsTowardGlobalLimit(path: string, authorization: string | undefined): boolean {
  if (!authorization?.startsWith('Bot ')) return false;
  const route = path.replace(/^\/api(\/v\d+)?/, '');
  return !route.startsWith('/interactions/') && !route.startsWith('/webhooks/');
}
