/**
 * Seeded randomness and Discord-shaped identifiers. With a seed every id, code and token the
 * simulator hands out is reproducible; without one the PRNG is seeded randomly and snowflakes use
 * the wall clock, like Discord's do.
 */

export const DISCORD_EPOCH = 1_420_070_400_000n;

/** mulberry32: tiny, fast and good enough for test data (not for secrets that matter). */
export class Prng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  string(length: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const URL_SAFE = `${ALNUM}-_`;
const HEX = '0123456789abcdef';
/** Seeded snowflakes start here (2025-01-01T00:00:00Z), so they have 19 digits like today's ids. */
const SEEDED_BASE_MS = 1_735_689_600_000;

export class IdFactory {
  readonly prng: Prng;
  readonly deterministic: boolean;
  #lastMs = 0;
  #increment = 0;

  constructor(seed: number | undefined) {
    this.deterministic = seed !== undefined;
    this.prng = new Prng(seed ?? Math.floor(Math.random() * 2 ** 32));
    if (this.deterministic) this.#lastMs = SEEDED_BASE_MS + this.prng.int(86_400_000);
  }

  /**
   * A real-format snowflake: (ms since Discord epoch) << 22 | worker 1 << 17 | increment. Seeded
   * runs use a virtual clock that advances by a random 1–1000 ms per id, which also spreads guild
   * ids evenly over shards ((id >> 22) % shardCount).
   */
  snowflake(): string {
    let ms: number;
    if (this.deterministic) {
      ms = this.#lastMs + 1 + this.prng.int(1000);
      this.#increment = 0;
    } else {
      ms = Math.max(Date.now(), this.#lastMs);
      if (ms === this.#lastMs) {
        this.#increment = (this.#increment + 1) & 0xfff;
        if (this.#increment === 0) ms += 1;
      } else {
        this.#increment = 0;
      }
    }
    this.#lastMs = ms;
    const id = ((BigInt(ms) - DISCORD_EPOCH) << 22n) | (1n << 17n) | BigInt(this.#increment);
    return id.toString();
  }

  /** An invite-style code: letters and digits. */
  code(length = 8): string {
    return this.prng.string(length, ALNUM);
  }

  urlSafe(length: number): string {
    return this.prng.string(length, URL_SAFE);
  }

  hex(length: number): string {
    return this.prng.string(length, HEX);
  }

  /** Bot token in Discord's three-part shape: base64(user id).timestamp-ish.hmac-ish */
  botToken(userId: string): string {
    const first = Buffer.from(userId).toString('base64url');
    return `${first}.${this.urlSafe(6)}.${this.urlSafe(38)}`;
  }
}

/** Which shard receives a guild's events: (guild_id >> 22) % shard_count. */
export function shardForGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** Millisecond timestamp embedded in a snowflake. */
export function snowflakeTimestamp(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** Discord's timestamp format: 2025-01-01T00:00:00.000000+00:00 */
export function discordTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000+00:00');
}
