/**
 * The REST proxy's global pacer (gateway/ops/global-pacer.ts): whatever the arrivals, no window of
 * `windowMs` holds more than `limit` sends, callers go in order, and none waits longer than needed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countsTowardGlobalLimit, GlobalPacer } from '../../gateway/ops/global-pacer';

/** Runs batches of callers: each batch arrives `gapMs` after the previous one arrived. */
async function run(limit: number, windowMs: number, batches: { gapMs: number; count: number }[]) {
  let clock = 0;
  const pacer = new GlobalPacer(
    limit,
    windowMs,
    () => clock,
    async (ms) => {
      clock += ms;
    },
  );
  const sends: { at: number; caller: number; arrived: number }[] = [];
  let caller = 0;
  let arrival = 0;
  for (const batch of batches) {
    arrival += batch.gapMs;
    clock = Math.max(clock, arrival);
    const waits = Array.from({ length: batch.count }, () => {
      const me = caller++;
      const arrived = clock;
      return pacer.acquire().then(() => sends.push({ at: clock, caller: me, arrived }));
    });
    await Promise.all(waits);
  }
  return sends;
}

describe('GlobalPacer', () => {
  it('never lets more than `limit` requests into any window, in order, without idle waits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.array(
          fc.record({
            gapMs: fc.integer({ min: 0, max: 4000 }),
            count: fc.integer({ min: 0, max: 120 }),
          }),
          { maxLength: 8 },
        ),
        async (limit, windowMs, batches) => {
          const sends = await run(limit, windowMs, batches);
          expect(sends.map((s) => s.caller)).toEqual(sends.map((_, i) => i));
          for (let i = 0; i < sends.length; i++) {
            const s = sends[i]!;
            // At most `limit` sends in [s.at - windowMs + 1, s.at].
            expect(
              sends.filter((o) => o.at > s.at - windowMs && o.at <= s.at).length,
            ).toBeLessThanOrEqual(limit);
            // Tight: it went as soon as it had arrived, its predecessor had gone and the window let it.
            const expected = Math.max(
              s.arrived,
              i > 0 ? sends[i - 1]!.at : 0,
              i >= limit ? sends[i - limit]!.at + windowMs : 0,
            );
            expect(s.at).toBe(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts bot-token requests except interaction responses and webhooks', () => {
    expect(countsTowardGlobalLimit('/api/v10/guilds/1/invites', 'Bot abc')).toBe(true);
    expect(countsTowardGlobalLimit('/api/channels/1/messages', 'Bot abc')).toBe(true);
    expect(countsTowardGlobalLimit('/api/v10/interactions/1/tok/callback', 'Bot abc')).toBe(false);
    expect(countsTowardGlobalLimit('/api/v10/webhooks/1/tok', 'Bot abc')).toBe(false);
    expect(countsTowardGlobalLimit('/api/v10/users/@me', 'Bearer user')).toBe(false);
    expect(countsTowardGlobalLimit('/api/v10/gateway/bot', undefined)).toBe(false);
  });
});
