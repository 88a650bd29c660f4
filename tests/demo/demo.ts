/**
 * `npm run demo`: Invite Tracker end to end without a Discord token. Starts the Discord simulator,
 * the gateway and the dashboard in this process on embedded PGlite (./data/demo, fresh each run),
 * seeds a demo server, then lets members join at a gentle pace through its invites (now and then a
 * vanity join, a bot, a Discovery join, a leave). Log in to the dashboard "with Discord": the
 * simulator signs you in as the demo admin. The server starts with 60 days of history. The console
 * shows a short banner and the joins; the JSON logs go to a file (named in the banner). Ctrl-C stops
 * everything.
 * Env: DEMO_PORT (dashboard, default 3000), DEMO_SIM_PORT (default: any free port),
 * DEMO_JOIN_EVERY_MS (default 4000), DEMO_DATA_DIR (default ./data/demo, wiped at start),
 * LOG_FILE (default demo.log next to the data directory), LOG_LEVEL (default info).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { openDatabase } from '../../db/migrate';
import { createLogger, sendLogsTo } from '../../db/shared/log';
import { excludeCode } from '../../db/queries/excluded-codes';
import { upsertGuild } from '../../db/queries/guilds';
import { getGuildSettings, updateGuildSettings } from '../../db/queries/settings';
import { startAllInOne } from '../../gateway/all-in-one';
import { simulatorGateway } from '../helpers/simulator-gateway';
import { ensureDashboardBuild } from '../helpers/dashboard-build';
import { startSimulator } from '../sim';
import { demoHistory, seedDemoHistory } from './history';
import { buildDemoWorld } from './world';

const log = createLogger('demo', { level: process.env.LOG_LEVEL ?? 'info' });
const say = (line: string) => console.log(line);

async function main(): Promise<void> {
  const dataDir = resolve(process.env.DEMO_DATA_DIR ?? join('data', 'demo'));
  const logFile = resolve(process.env.LOG_FILE ?? join(dirname(dataDir), 'demo.log'));
  sendLogsTo(logFile);
  ensureDashboardBuild(say);
  const sim = await startSimulator({
    port: Number(process.env.DEMO_SIM_PORT ?? 0),
    seed: 2026,
    restLatencyMs: 40,
    heartbeatIntervalMs: 15_000,
  });
  const world = buildDemoWorld(sim);
  sim.setOAuthUser(world.adminId);

  rmSync(dataDir, { recursive: true, force: true });
  const db = await openDatabase({ dataDir }, { log });
  await upsertGuild(db.db, {
    id: world.guildId,
    name: world.guildName,
    icon: null,
    ownerId: world.adminId,
    features: ['VANITY_URL'],
    botPermissions: null,
  });
  await updateGuildSettings(
    db.db,
    world.guildId,
    { logChannelId: world.welcomeChannelId, dmInviter: true },
    world.adminId,
  );
  await excludeCode(db.db, world.guildId, world.teamCode, world.adminId);
  const settings = await getGuildSettings(db.db, world.guildId);
  const history = demoHistory(world, new Date());
  const seededJoins = await seedDemoHistory(db.db, history, {
    xpPerInvite: settings.xpPerInvite,
    excludedCodes: new Set([world.teamCode]),
  });
  // The invites were used by that history: their counters say so before the gateway reads them.
  for (const { code } of world.codes) {
    sim.setInviteUses(code, history.joins.filter((j) => j.code === code).length);
  }
  const vanityJoins = history.joins.filter((j) => j.outcome === 'vanity').length;
  sim.setVanity(world.guildId, world.vanityCode, 12 + vanityJoins);

  const port = Number(process.env.DEMO_PORT ?? 3000);
  const origin = `http://127.0.0.1:${port}`;
  Object.assign(process.env, {
    DISCORD_CLIENT_ID: sim.oauth.clientId,
    DISCORD_CLIENT_SECRET: sim.oauth.clientSecret,
    DISCORD_TOKEN: sim.token,
    DISCORD_API_BASE: sim.api,
    DISCORD_AUTHORIZE_URL: sim.authorizeUrl,
    ORIGIN: origin,
    SESSION_SECRET: randomBytes(32).toString('base64'),
  });
  const [{ db: _db, log: _log, ...gateway }, hooks] = simulatorGateway(sim, db, { log });
  const app = await startAllInOne({ db, log, gateway, hooks, web: { port, host: '127.0.0.1' } });

  const shown = (path: string) =>
    relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path);
  say('');
  say('Invite Tracker demo is running.');
  say(`  Dashboard:  ${origin}  (“Mit Discord anmelden” signs you in as Demo-Admin)`);
  say(`  Server:     ${world.guildName}, ${seededJoins} joins over the last 60 days`);
  say(`  Simulator:  ${sim.controlUrl}  (control API, see tests/sim/README.md)`);
  say(`  Logs:       ${shown(logFile)}  (JSON lines)`);
  say('New members join every few seconds. Ctrl-C stops.');
  say('');

  const every = Number(process.env.DEMO_JOIN_EVERY_MS ?? 4000);
  let n = 0;
  const total = world.codes.reduce((sum, c) => sum + c.weight, 0);
  const members: string[] = [];
  const pick = () => {
    let r = Math.random() * total;
    for (const c of world.codes) if ((r -= c.weight) < 0) return c.code;
    return world.codes[0]!.code;
  };
  const step = async () => {
    n += 1;
    const roll = Math.random();
    if (roll < 0.08 && members.length > 3) {
      const who = members.splice(Math.floor(Math.random() * members.length), 1)[0]!;
      sim.leave(world.guildId, who);
      say(`← ${sim.getUser(who)?.globalName} hat den Server verlassen`);
      return;
    }
    const user = sim.createUser({
      username: `gast${n}`,
      globalName: `Gast ${n}`,
      bot: roll > 0.97,
    });
    const via = user.bot
      ? ({ bot: true } as const)
      : roll < 0.16
        ? ({ vanity: true } as const)
        : roll < 0.2
          ? ({ source: 'discovery' } as const)
          : { code: pick() };
    try {
      const truth = await sim.join(world.guildId, user.id, via);
      if (!user.bot) members.push(user.id);
      say(`→ ${user.globalName} tritt bei (${truth.via}${truth.code ? ` ${truth.code}` : ''})`);
    } catch (error) {
      // A used-up or expired code: the next member picks another.
      say(`  (${(error as Error).message})`);
    }
  };
  const timer = setInterval(() => void step(), every);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say('\nStopping…');
    clearInterval(timer);
    await app.stop({ resumable: false });
    await sim.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
