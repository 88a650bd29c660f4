import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../../gateway/persist/batch-writer';

const log = pino({ level: 'silent' });

describe('the batch writer', () => {
  it('writes what arrives together as one batch, one batch at a time, at most maxItems each', async () => {
    const batches: number[][] = [];
    let running = 0;
    let overlapped = false;
    const writer = new BatchWriter<number>(
      'test',
      async (items) => {
        running += 1;
        overlapped ||= running > 1;
        batches.push(items);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running -= 1;
      },
      { maxItems: 4, delayMs: 10 },
      { log },
    );
    const stored: number[] = [];
    const all = Array.from({ length: 10 }, (_, i) => writer.add(i).then(() => stored.push(i)));
    // Added while the first batches are written: they wait for the next one.
    await new Promise((resolve) => setTimeout(resolve, 5));
    all.push(writer.add(10).then(() => stored.push(10)));
    await Promise.all(all);
    expect(batches.flat()).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(batches.every((b) => b.length <= 4)).toBe(true);
    expect(batches.length).toBe(3);
    expect(overlapped).toBe(false);
    expect(stored.sort((a, b) => a - b)).toEqual(batches.flat());
    expect(writer.waiting).toBe(0);
  });

  it('retries a failed batch until it is stored; callers wait for it', async () => {
    let calls = 0;
    const writer = new BatchWriter<string>(
      'test',
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('connection lost');
      },
      { maxItems: 10, delayMs: 1 },
      { log },
    );
    await Promise.all([writer.add('a'), writer.add('b')]);
    expect(calls).toBe(2);
  });
});
