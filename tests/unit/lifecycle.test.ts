import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../../gateway/ops/lifecycle';

describe('the gateway lifecycle', () => {
  it('says it is stopping before the first step runs, runs steps in order once, and survives a failing step', async () => {
    const life = new Lifecycle(pino({ level: 'silent' }));
    const seen: string[] = [];
    life.onStop('first', (context) => {
      // Steps' callbacks (e.g. the gateway's session updates) must already see `stopping`.
      seen.push(`first:${life.stopping}:${context.resumable}`);
    });
    life.onStop('broken', () => {
      throw new Error('stuck part');
    });
    life.onStop('last', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push('last');
    });
    expect(life.stopping).toBe(false);
    const first = life.stop({ resumable: true });
    const second = life.stop({ resumable: false });
    await Promise.all([first, second]);
    expect(seen).toEqual(['first:true:true', 'last']);
  });

  it('ends its timers at stop', async () => {
    const life = new Lifecycle(pino({ level: 'silent' }));
    let ticks = 0;
    life.every(5, 'tick', () => {
      ticks += 1;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await life.stop({ resumable: false });
    const atStop = ticks;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(atStop).toBeGreaterThan(0);
    expect(ticks).toBe(atStop);
  });
});
