/**
 * The one retry layer for Discord REST calls. The REST client itself does not retry (retries: 0 in
 * rest.ts): with its retries under ours, every attempt of ours became four HTTP tries, and a run of
 * 5xx left messages pending for minutes. Delays are capped exponential backoff with full jitter
 * (AWS's "full jitter"), so many waiting sends spread out instead of retrying in lockstep.
 */
import { DiscordAPIError, HTTPError } from '@discordjs/rest';

export type Backoff = { baseMs: number; capMs: number };

/** A random delay in [0, min(cap, base · 2^attempt)] (attempt 0 = the first retry). */
export function backoffMs(
  attempt: number,
  { baseMs, capMs }: Backoff,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** Worth another try: Discord's 5xx, timeouts and network errors. 4xx will answer the same again. */
export function isTransient(error: unknown): boolean {
  if (error instanceof DiscordAPIError || error instanceof HTTPError) return error.status >= 500;
  return error instanceof Error;
}

/** Runs `task`, retrying transient failures `attempts - 1` times with jittered backoff. */
export async function withRetries<T>(
  task: () => Promise<T>,
  options: Backoff & { attempts: number },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt + 1 >= options.attempts || !isTransient(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, options)));
    }
  }
}
