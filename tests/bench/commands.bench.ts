/**
 * `npm run bench -- commands`: how fast /invites answers while the guild is being raided
 * (200 joins/s), from INTERACTION_CREATE to the first response and to the visible answer.
 * Env: BENCH_SCALE (duration factor), BENCH_REST_LATENCY_MS (default 80).
 */
import { updateGuildSettings } from '../../db/queries/settings';
import { startGateway } from '../../gateway/app';
import { simulatorGateway } from '../helpers/simulator-gateway';
import { startSimulator } from '../sim';
import { benchDatabase } from './lib/bench-db';
import { percentile, round, table } from './lib/stats';
import type { BenchResult } from './run';
import { storeGuild } from '../helpers/db';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const LATENCY_MS = Number(process.env.BENCH_REST_LATENCY_MS ?? 80);
const RAID_PER_SECOND = 200;
const COMMANDS_PER_SECOND = 5;

export async function run(log: (line: string) => void): Promise<BenchResult> {
  const sim = await startSimulator({
    heartbeatIntervalMs: 10_000,
    restLatencyMs: LATENCY_MS,
    globalRateLimit: { perSecond: 50 },
  });
  const guild = sim.createGuild({ name: 'Raided' });
  const logChannel = sim.createChannel(guild.id, { name: 'invite-log' });
  const callers = Array.from({ length: 25 }, () => {
    const user = sim.createUser({ locale: 'de' });
    sim.addMember(guild.id, user.id);
    return user.id;
  });
  const codes = Array.from(
    { length: 50 },
    (_, i) => sim.createInvite(guild.id, { inviterId: callers[i % 25]! }).code,
  );
  const db = await benchDatabase();
  await storeGuild(db.handle.db, guild.id, guild.name);
  await updateGuildSettings(db.handle.db, guild.id, { logChannelId: logChannel.id }, null);
  const gateway = await startGateway(...simulatorGateway(sim, db.handle));
  const seconds = 20 * SCALE;
  log(
    `raid of ${RAID_PER_SECOND} joins/s for ${seconds} s with ${COMMANDS_PER_SECOND} commands/s, on ${db.label}`,
  );
  const samples: { command: string; first: number; final: number; deferred: boolean }[] = [];
  try {
    while (!gateway.registry.get(guild.id)?.state.isPrimed)
      await new Promise((r) => setTimeout(r, 100));
    const start = Date.now();
    const joiners = Array.from(
      { length: Math.ceil(RAID_PER_SECOND * seconds) },
      () => sim.createUser().id,
    );
    const raid = (async () => {
      for (const [i, user] of joiners.entries()) {
        const wait = start + (i * 1000) / RAID_PER_SECOND - Date.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        void sim.join(guild.id, user, { code: codes[i % codes.length]! }).catch(() => {});
      }
    })();
    const subcommands = ['uebersicht', 'rangliste', 'wer'] as const;
    const asked: Promise<void>[] = [];
    for (let i = 0; Date.now() - start < seconds * 1000; i++) {
      await new Promise((r) => setTimeout(r, 1000 / COMMANDS_PER_SECOND));
      const command = subcommands[i % 3]!;
      const caller = callers[i % callers.length]!;
      const options =
        command === 'wer'
          ? [
              {
                name: 'wer',
                type: 1,
                options: [
                  {
                    name: 'mitglied',
                    type: 6,
                    value:
                      joiners[Math.floor(Math.random() * Math.min(joiners.length, i * 40 + 1))],
                  },
                ],
              },
            ]
          : [{ name: command, type: 1, options: [] }];
      const invokedAt = Date.now();
      asked.push(
        sim
          .invokeCommand({ userId: caller, guildId: guild.id, name: 'invites', options })
          .then(async (interaction) => {
            const first = await interaction.waitForResponse(10_000);
            const final = await interaction.waitForFinal(10_000);
            samples.push({
              command,
              first: first.at - invokedAt,
              final: Date.parse(final.editedAt ?? final.createdAt) - invokedAt,
              deferred: first.type === 5,
            });
          }),
      );
    }
    await raid;
    await Promise.allSettled(asked);
  } finally {
    await gateway.stop({ resumable: false });
    await sim.close();
    await db.dispose();
  }
  const rows = ['uebersicht', 'rangliste', 'wer', 'all'].map((command) => {
    const mine = samples.filter((s) => command === 'all' || s.command === command);
    return {
      command,
      answered: mine.length,
      deferred: mine.filter((s) => s.deferred).length,
      first_p50_ms: round(
        percentile(
          mine.map((s) => s.first),
          50,
        ),
        0,
      ),
      first_p99_ms: round(
        percentile(
          mine.map((s) => s.first),
          99,
        ),
        0,
      ),
      final_p50_ms: round(
        percentile(
          mine.map((s) => s.final),
          50,
        ),
        0,
      ),
      final_p99_ms: round(
        percentile(
          mine.map((s) => s.final),
          99,
        ),
        0,
      ),
    };
  });
  log(`\n${table(rows)}`);
  const all = rows.at(-1)!;
  return {
    command_p50_ms: all.first_p50_ms,
    command_p99_ms: all.first_p99_ms,
    command_final_p99_ms: all.final_p99_ms,
    commands_answered: all.answered,
    commands_deferred: all.deferred,
    per_command: Object.fromEntries(rows.slice(0, 3).map((r) => [r.command, r])),
  };
}
