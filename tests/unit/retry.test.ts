import { DiscordAPIError, HTTPError } from '@discordjs/rest';
import { describe, expect, it } from 'vitest';
import { backoffMs, isTransient, withRetries } from '../../gateway/discord/retry';

describe('the REST retry layer', () => {
  it('waits a random time up to min(cap, base · 2^attempt): full jitter, never past the cap', () => {
    const backoff = { baseMs: 1000, capMs: 30_000 };
    expect(backoffMs(0, backoff, () => 0.999)).toBeLessThan(1000);
    expect(backoffMs(3, backoff, () => 0.999)).toBeLessThan(8000);
    expect(backoffMs(40, backoff, () => 0.999)).toBeLessThan(30_000);
    expect(backoffMs(40, backoff, () => 0)).toBe(0);
    // Spread over the whole window, not clustered: many senders do not retry in lockstep.
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 400 }, () => backoffMs(10, backoff, random));
    expect(Math.min(...delays)).toBeLessThan(3000);
    expect(Math.max(...delays)).toBeGreaterThan(27_000);
  });

  it('retries 5xx and network errors, never 4xx', async () => {
    const server = new HTTPError(503, 'Service Unavailable', 'GET', '/x', {
      body: undefined,
      files: undefined,
    });
    const refused = new DiscordAPIError(
      { code: 50013, message: 'Missing Permissions' },
      50013,
      403,
      'GET',
      '/x',
      { body: undefined, files: undefined },
    );
    expect(isTransient(server)).toBe(true);
    expect(isTransient(new Error('socket hang up'))).toBe(true);
    expect(isTransient(refused)).toBe(false);

    let calls = 0;
    const flaky = () => (++calls < 3 ? Promise.reject(server) : Promise.resolve('ok'));
    await expect(withRetries(flaky, { attempts: 3, baseMs: 1, capMs: 2 })).resolves.toBe('ok');
    expect(calls).toBe(3);

    calls = 0;
    const forbidden = () => {
      calls += 1;
      return Promise.reject(refused);
    };
    await expect(withRetries(forbidden, { attempts: 5, baseMs: 1, capMs: 2 })).rejects.toBe(
      refused,
    );
    expect(calls).toBe(1);
  });
});
