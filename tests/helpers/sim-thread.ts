/**
 * The simulator on its own thread, for tests and benchmarks where the gateway keeps the main thread busy:
 * in one thread, a long stretch of gateway work would hold the simulator's timers back and bunch
 * requests sent well apart into one of its rate-limit windows (429s nobody caused). Started by
 * `startSimulatorThread`; the world is built from a compact description, joins are asked for by
 * message.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { startSimulator } from '../sim';
import type { SimOptions } from '../sim/types';

/**
 * `guilds` guilds (the bot not in them yet) with `invites` invites each; `slowOddGuildsMs`: the
 * invite lists of guilds with an odd id answer this much later (latency that differs by route).
 */
export type ColdWorld = { guilds: number; invites: number; slowOddGuildsMs?: number };

type Request =
  | { id: number; kind: 'addBotEverywhere' }
  | { id: number; kind: 'join'; guild: number; code: number }
  | { id: number; kind: 'stats' }
  | { id: number; kind: 'close' };

export type SimStats = {
  connectedShards: number;
  requests: number;
  rateLimited: number;
  rateLimitedByRoute: Record<string, number>;
};

if (!isMainThread && parentPort && (workerData as { simThread?: boolean })?.simThread) {
  const port = parentPort;
  const { options, world } = workerData as { options: SimOptions; world: ColdWorld };
  const sim = await startSimulator(options);
  if (world.slowOddGuildsMs)
    sim.faults.latency(/^GET \/guilds\/\d*[13579]\/invites$/, world.slowOddGuildsMs);
  const inviters = Array.from({ length: 500 }, () => sim.createUser().id);
  const guilds: { id: string; codes: string[] }[] = [];
  for (let g = 0; g < world.guilds; g++) {
    const guild = sim.createGuild({ withBot: false });
    const codes = Array.from(
      { length: world.invites },
      (_, i) =>
        sim.createInvite(guild.id, {
          inviterId: inviters[(g + i) % inviters.length]!,
          uses: (g * 31 + i * 7) % 50,
        }).code,
    );
    guilds.push({ id: guild.id, codes });
  }
  port.postMessage({
    kind: 'ready',
    api: sim.api,
    token: sim.token,
    applicationId: sim.applicationId,
    guildIds: guilds.map((g) => g.id),
  });
  port.on('message', (m: Request) => {
    const reply = (value: unknown) => port.postMessage({ kind: 'reply', id: m.id, value });
    switch (m.kind) {
      case 'addBotEverywhere':
        for (const guild of guilds) sim.addBotToGuild(guild.id);
        return reply(null);
      case 'join': {
        const guild = guilds[m.guild]!;
        const user = sim.createUser().id;
        void sim.join(guild.id, user, { code: guild.codes[m.code]! }).catch(() => {});
        return reply(user);
      }
      case 'stats':
        return reply({
          connectedShards: sim.shards.connected.length,
          requests: sim.requests.length,
          rateLimited: sim.rateLimited,
          rateLimitedByRoute: { ...sim.rateLimitedByRoute },
        } satisfies SimStats);
      case 'close':
        void sim.close().then(() => {
          reply(null);
          port.close();
        });
    }
  });
}

export type SimThread = {
  api: string;
  token: string;
  applicationId: string;
  guildIds: string[];
  addBotEverywhere: () => Promise<void>;
  /** A new member joins guild number `guild` through its code number `code`; their user id. */
  join: (guild: number, code: number) => Promise<string>;
  stats: () => Promise<SimStats>;
  close: () => Promise<void>;
};

export async function startSimulatorThread(
  options: SimOptions,
  world: ColdWorld,
): Promise<SimThread> {
  // The worker loads this TypeScript file through tsx's loader, whoever started this process.
  const api = createRequire(import.meta.url).resolve('tsx/esm/api');
  const tsx = pathToFileURL(join(dirname(api), 'index.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: { simThread: true, options, world } });
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 0;
  const ready = await new Promise<{
    api: string;
    token: string;
    applicationId: string;
    guildIds: string[];
  }>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: { kind: string; id: number; value: unknown }) => {
      if (m.kind === 'ready') resolve(m as never);
      else if (m.kind === 'reply') {
        pending.get(m.id)?.(m.value);
        pending.delete(m.id);
      }
    });
  });
  const ask = <T>(request: Record<string, unknown>) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (value: unknown) => void);
      worker.postMessage({ ...request, id });
    });
  return {
    ...ready,
    addBotEverywhere: () => ask<void>({ kind: 'addBotEverywhere' }),
    join: (guild, code) => ask<string>({ kind: 'join', guild, code }),
    stats: () => ask<SimStats>({ kind: 'stats' }),
    close: async () => {
      await ask<void>({ kind: 'close' });
      await worker.terminate();
    },
  };
}
