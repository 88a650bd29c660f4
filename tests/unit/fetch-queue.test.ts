import { describe, expect, it } from 'vitest';
import { FetchQueue } from '../../gateway/guilds/fetch-queue';
import { SerialChain } from '../../gateway/persist/retry';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the fetch queue', () => {
  it('serves guilds with joins first and says once when the background fetches are done', async () => {
    const drained: number[] = [];
    const ran: string[] = [];
    const gates = new Map<string, () => void>();
    const queue = new FetchQueue(1, { onDrained: () => drained.push(ran.length) });
    const job = (guildId: string) => ({
      guildId,
      run: () =>
        new Promise<void>((resolve) => {
          ran.push(guildId);
          gates.set(guildId, resolve);
        }),
    });
    queue.enqueue(job('a'), false);
    queue.enqueue(job('b'), false);
    queue.enqueue(job('c'), false);
    queue.enqueue(job('c'), true); // a join arrived in c: ahead of b
    for (const id of ['a', 'c', 'b']) {
      await tick();
      expect(ran.at(-1)).toBe(id);
      expect(drained).toEqual([]);
      gates.get(id)!();
    }
    await tick();
    expect(drained).toEqual([3]);
    // Urgent fetches alone are no priming: nothing to report.
    queue.enqueue(job('a'), true);
    await tick();
    gates.get('a')!();
    await tick();
    expect(drained).toEqual([3]);
  });
});

describe('the serial write chain', () => {
  it('runs tasks in order, idles between bursts and resolves idle() only after everything added', async () => {
    const chain = new SerialChain();
    await chain.idle();
    const done: number[] = [];
    for (let burst = 0; burst < 3; burst++) {
      for (let i = 0; i < 3; i++) {
        const n = burst * 3 + i;
        void chain.push(async () => {
          await tick();
          done.push(n);
        });
      }
      expect(chain.size).toBe(3);
      await chain.idle();
      expect(done).toEqual(Array.from({ length: (burst + 1) * 3 }, (_, k) => k));
      expect(chain.size).toBe(0);
      await tick();
    }
    // A failing task rejects its own promise, never the chain.
    const failed = chain.push(() => Promise.reject(new Error('x')));
    const after = chain.push(async () => void done.push(99));
    await expect(failed).rejects.toThrow('x');
    await after;
    expect(done.at(-1)).toBe(99);
  });
});
