/**
 * An in-process stack for end-to-end tests: the Discord simulator, a fresh database and the real
 * gateway (startGateway) connected to the simulator through the real @discordjs packages.
 */
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { startGateway, type RunningGateway } from '../../gateway/app';
import type { GatewayOptions, GatewayTestHooks } from '../../gateway/options';
import { memberJoins } from '../../db/schema';
import { startSimulator, type SimOptions, type Simulator } from '../sim';
import { createTestDb, type DbKind, type TestDb } from '../helpers/db';
import { simulatorGateway, type TestGatewayOverrides } from '../helpers/simulator-gateway';

export type Stack = {
  sim: Simulator;
  db: TestDb;
  gateway: RunningGateway;
  stop: () => Promise<void>;
};

/** The gateway for end-to-end tests: production defaults, shorter waits, quiet unless TEST_LOG_LEVEL. */
export function gatewayOptions(
  sim: Simulator,
  db: TestDb,
  overrides: TestGatewayOverrides = {},
): [GatewayOptions, GatewayTestHooks] {
  return simulatorGateway(sim, db, {
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    rest: { offset: 0 },
    outboxPollMs: 100,
    attribution: { settleMs: 100 },
    ...overrides,
  });
}

export async function startStack(
  options: {
    sim?: SimOptions;
    dbKind?: DbKind;
    gateway?: TestGatewayOverrides;
    setup?: (sim: Simulator) => void;
  } = {},
): Promise<Stack> {
  const sim = await startSimulator({ heartbeatIntervalMs: 1000, ...options.sim });
  options.setup?.(sim);
  const db = await createTestDb(options.dbKind ?? 'pglite');
  const gateway = await startGateway(...gatewayOptions(sim, db, options.gateway));
  return {
    sim,
    db,
    gateway,
    stop: async () => {
      await gateway.stop({ resumable: false });
      await sim.close();
      await db.dispose();
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the gateway has a primed attribution state for the guild. */
export async function primed(stack: Stack, guildId: string): Promise<void> {
  await eventually(() => stack.gateway.registry.get(guildId)?.state.isPrimed === true);
  await stack.gateway.settled();
}

/** The decided join row of a member (latest join), once it is decided. */
export async function decidedJoin(stack: Stack, guildId: string, memberId: string, count = 1) {
  return eventually(async () => {
    const rows = await stack.db.db
      .select()
      .from(memberJoins)
      .where(eq(memberJoins.memberId, memberId))
      .orderBy(memberJoins.joinedAt);
    const mine = rows.filter((r) => r.guildId === guildId);
    const last = mine.at(-1);
    return mine.length >= count && last && last.outcome !== 'pending' ? last : undefined;
  });
}

/**
 * The invite-log lines in a channel: how often each member is named, and how many joins were
 * only counted in a burst summary line ("… und 40 weitere Beitritte").
 */
export function logLines(sim: Simulator, channelId: string) {
  const named = new Map<string, number>();
  let summarized = 0;
  for (const line of sim.messages(channelId).flatMap((m) => m.content.split('\n'))) {
    const more = /^… (?:und|and) (\d+) (?:weitere|more)/.exec(line);
    if (more) {
      summarized += Number(more[1]);
      continue;
    }
    const member = /^<@(\d+)>/.exec(line)?.[1];
    if (member) named.set(member, (named.get(member) ?? 0) + 1);
  }
  const total = [...named.values()].reduce((a, b) => a + b, 0) + summarized;
  return { named, summarized, total };
}
