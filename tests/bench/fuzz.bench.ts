/**
 * `npm run bench -- fuzz`: does the gateway keep anything per malformed payload? The composed gateway
 * (startGateway) on the simulator receives malformed or unexpected dispatches of every family we
 * handle (broken member adds, unknown guilds, invites without codes, partial guilds, interactions
 * with odd ids and tokens, …): a warm-up of 30,000, then FUZZ_PAYLOADS (default 50,000) in blocks of
 * 10,000. After each block, once the gateway has handled it, the simulator's request and dispatch
 * records are cleared, the heap is collected twice (node --expose-gc, as `npm run bench` runs) and
 * measured. The simulator's replay buffer (20,000–30,000 frames per session, trimmed in batches) is
 * at the same length at every checkpoint after the warm-up, so the slope between checkpoints is the
 * gateway's: reported in bytes per payload (a heap snapshot showed the buffer is all that grows).
 */
import { pino } from 'pino';
import type { DispatchLogEntry, RecordedRequest } from '../sim/types';
import { startGateway } from '../../gateway/app';
import { startSimulator, type Simulator } from '../sim';
import { simulatorGateway } from '../helpers/simulator-gateway';
import { storeGuild } from '../helpers/db';
import { benchDatabase } from './lib/bench-db';
import { prng, round, table } from './lib/stats';
import type { BenchResult } from './run';

const WARM_UP = 30_000;
const BLOCK = 10_000;
const TOTAL = Number(process.env.FUZZ_PAYLOADS ?? 50_000);

type Raw = { t: string; d: unknown; guildId: string | null };

/** One malformed or unexpected dispatch, varied by the seeded random source. */
function payload(random: () => number, guildId: string, n: number): Raw {
  const id = () => String(1_000_000_000_000_000n + BigInt(Math.floor(random() * 1e15)));
  const junk = (): unknown =>
    [null, 42, 'x'.repeat(Math.floor(random() * 64)), [], {}, true, -1][Math.floor(random() * 7)];
  switch (n % 9) {
    case 0:
      return { t: 'GUILD_MEMBER_ADD', d: { guild_id: guildId, user: junk() }, guildId };
    case 1:
      return {
        t: 'GUILD_MEMBER_ADD',
        d: { guild_id: guildId, user: { id: 'nope', username: junk() }, joined_at: 'yesterday' },
        guildId,
      };
    case 2: // a well-formed join for a guild this process does not know
      return {
        t: 'GUILD_MEMBER_ADD',
        d: {
          guild_id: id(),
          user: { id: id(), username: 'ghost' },
          joined_at: new Date().toISOString(),
        },
        guildId: null,
      };
    case 3:
      return { t: 'INVITE_CREATE', d: { guild_id: guildId, code: junk() }, guildId };
    case 4:
      return { t: 'INVITE_DELETE', d: junk(), guildId };
    case 5:
      return { t: 'GUILD_CREATE', d: { id: junk(), name: junk() }, guildId: null };
    case 6:
      return { t: 'GUILD_MEMBER_REMOVE', d: { guild_id: id(), user: { id: id() } }, guildId: null };
    case 7: // an interaction too broken to answer
      return {
        t: 'INTERACTION_CREATE',
        d: { id: junk(), token: junk(), type: junk(), data: junk() },
        guildId,
      };
    default:
      return { t: 'GUILD_UPDATE', d: { id: guildId, name: junk(), features: junk() }, guildId };
  }
}

/** Least-squares slope of heap over payloads, in bytes per payload. */
function slopeBytesPerPayload(rows: { payloads: number; heap_mb: number | null }[]): number {
  const points = rows.map((r) => [r.payloads, (r.heap_mb ?? 0) * 2 ** 20] as const);
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

const gc = () => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc (npm run bench does)');
  collect();
  collect();
};

/** The simulator records every request and dispatch; those are its memory, not the gateway's. */
function clearSimulatorRecords(sim: Simulator): void {
  (sim.requests as RecordedRequest[]).length = 0;
  (sim.dispatchLog as DispatchLogEntry[]).length = 0;
}

export async function run(log: (line: string) => void): Promise<BenchResult> {
  const sim = await startSimulator({ heartbeatIntervalMs: 5000 });
  const guild = sim.createGuild({ name: 'Fuzz' });
  const db = await benchDatabase();
  await storeGuild(db.handle.db, guild.id, guild.name);
  const gateway = await startGateway(
    ...simulatorGateway(sim, db.handle, { log: pino({ level: 'silent' }) }),
  );
  const random = prng(50_508);
  const counted = async () =>
    (await gateway.metrics.badPayloads.get()).values.reduce((sum, v) => sum + v.value, 0);
  const rows: { payloads: number; heap_mb: number | null; rss_mb: number | null }[] = [];
  try {
    let sent = 0;
    const before = await counted();
    const blocks = [WARM_UP, ...Array.from({ length: Math.ceil(TOTAL / BLOCK) }, () => BLOCK)];
    for (const size of blocks) {
      for (let i = 0; i < size; i++, sent++) {
        const raw = payload(random, guild.id, sent);
        sim.dispatchRaw(raw.t, raw.d, raw.guildId);
        if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
      }
      // Wait until the gateway has handled the block: its reject counter stops moving.
      for (let last = -1, now = await counted(); now !== last;) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        [last, now] = [now, await counted()];
      }
      await gateway.settled();
      clearSimulatorRecords(sim);
      gc();
      if (process.env.FUZZ_SNAPSHOT_DIR) {
        const { writeHeapSnapshot } = await import('node:v8');
        writeHeapSnapshot(`${process.env.FUZZ_SNAPSHOT_DIR}/fuzz-${sent}.heapsnapshot`);
      }
      const memory = process.memoryUsage();
      rows.push({
        payloads: sent,
        heap_mb: round(memory.heapUsed / 2 ** 20, 1),
        rss_mb: round(memory.rss / 2 ** 20, 1),
      });
      log(`${sent} payloads: heap ${rows.at(-1)!.heap_mb} MB, rss ${rows.at(-1)!.rss_mb} MB`);
    }
    const counts = (await counted()) - before;
    const slope = slopeBytesPerPayload(rows.slice(1));
    log(`\n${table(rows)}`);
    log(`heap slope after the warm-up: ${round(slope, 1)} bytes per malformed payload`);
    return {
      payloads: sent,
      rejected_and_counted: counts,
      heap_mb_after_gc: rows.map((r) => r.heap_mb),
      rss_mb: rows.map((r) => r.rss_mb),
      heap_bytes_per_payload: round(slope, 1),
      ready_after: gateway.ready(),
    };
  } finally {
    await gateway.stop({ resumable: false });
    await sim.close();
    await db.dispose();
  }
}
