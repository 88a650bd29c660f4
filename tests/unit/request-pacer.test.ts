import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestPacer, isGloballyLimited } from '../../gateway/discord/request-pacer';

/** A virtual clock: sleeps resolve when `advance` passes their time. */
function virtualClock() {
  let now = 0;
  let timers: { at: number; resolve: () => void }[] = [];
  return {
    clock: {
      now: () => now,
      sleep: (ms: number) =>
        new Promise<void>((resolve) => {
          timers.push({ at: now + Math.max(0, ms), resolve });
        }),
    },
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        now = Math.max(now, due.at);
        timers = timers.filter((t) => t !== due);
        due.resolve();
      }
      now = end;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('the global request pacer', () => {
  it('never lets more than `limit` requests leave in any window, in the order they asked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 50, max: 500 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 40 }),
        async (limit, windowMs, gaps) => {
          const { clock, advance } = virtualClock();
          const pacer = new RequestPacer(limit, windowMs, clock);
          const left: { index: number; at: number }[] = [];
          const turns: Promise<void>[] = [];
          for (const [index, gap] of gaps.entries()) {
            await advance(gap);
            turns.push(pacer.take().then(() => void left.push({ index, at: clock.now() })));
          }
          await advance(windowMs * (gaps.length + 1));
          await Promise.all(turns);
          expect(left.map((l) => l.index)).toEqual(gaps.map((_, i) => i));
          for (const first of left) {
            const inWindow = left.filter((l) => l.at >= first.at && l.at < first.at + windowMs);
            expect(inWindow.length).toBeLessThanOrEqual(limit);
          }
          expect(pacer.waiting).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lets requests go at once while the window has room, then paces them', async () => {
    const { clock, advance } = virtualClock();
    const pacer = new RequestPacer(3, 1000, clock);
    const left: number[] = [];
    const all = Array.from({ length: 7 }, () => pacer.take().then(() => left.push(clock.now())));
    await advance(0);
    expect(left).toEqual([0, 0, 0]);
    expect(pacer.waiting).toBe(4);
    await advance(2500);
    await Promise.all(all);
    expect(left).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('paces bot requests, not interaction callbacks or webhooks (Discord exempts them)', () => {
    expect(isGloballyLimited('https://discord.com/api/v10/guilds/1/invites')).toBe(true);
    expect(isGloballyLimited('http://127.0.0.1:4000/api/v10/channels/2/messages')).toBe(true);
    expect(isGloballyLimited('https://discord.com/api/v10/interactions/1/tok/callback')).toBe(
      false,
    );
    expect(isGloballyLimited('https://discord.com/api/v10/webhooks/1/tok/messages/@original')).toBe(
      false,
    );
  });
});
