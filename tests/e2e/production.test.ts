/**
 * The production build as operators run it: `npm run build`, then the built gateway and dashboard
 * against the simulator — as separate processes on Postgres (Fly's process groups), or as one
 * process on embedded PGlite (`npm start`). A join reaches the log channel, /healthz turns ready,
 * /metrics counts the join, SIGTERM stops within the deadline. Also: fly.toml only names commands
 * and files the build really produces, and the image runs the Node LTS that CI tests on.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'smol-toml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { migrate } from '../../db/migrate';
import { updateGuildSettings } from '../../db/queries/settings';
import { createTestDb, TEST_DATABASE_URL, type TestDb, storeGuild } from '../helpers/db';
import { loginThroughSimulator } from '../helpers/login';
import { freePort } from '../helpers/ports';
import { startSimulator, type Simulator } from '../sim';
import { eventually } from './stack';

const root = resolve(import.meta.dirname, '..', '..');
const SHUTDOWN_TIMEOUT_MS = 8000;

beforeAll(() => {
  execFileSync('npm', ['run', 'build:gateway'], { cwd: root, stdio: 'pipe' });
}, 120_000);

function run(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  return {
    child,
    output: () => output,
    exited: new Promise((done) => child.once('exit', (code) => done(code))),
  };
}

async function stopWithin(
  proc: ReturnType<typeof run>,
): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  proc.child.kill('SIGTERM');
  const code = await proc.exited;
  return { code, ms: Date.now() - started };
}

type FlyToml = {
  app: string;
  deploy: { release_command: string };
  processes: Record<string, string>;
  env: Record<string, string>;
  http_service: { internal_port: number; processes: string[]; checks: { path: string }[] };
  checks: Record<string, { port: number; path: string; processes: string[] }>;
  vm: { processes: string[] }[];
};

/** `[env K=V …] node <file>`: whether the file is one the build produces. */
function target(command: string): boolean {
  const words = command.split(' ');
  const node = words[0] === 'env' ? words.findIndex((w) => !w.includes('=') && w !== 'env') : 0;
  expect(words[node]).toBe('node');
  const path = join(root, words[node + 1]!);
  return existsSync(path) && (path.endsWith('.js') || existsSync(join(path, 'index.js')));
}

describe('fly.toml', () => {
  it('names only commands and files the build produces, and ports the app uses', () => {
    const fly = parse(readFileSync(join(root, 'fly.toml'), 'utf8')) as unknown as FlyToml;
    expect(target(fly.deploy.release_command)).toBe(true);
    expect(Object.keys(fly.processes).sort()).toEqual(['gateway', 'proxy', 'web']);
    for (const command of Object.values(fly.processes)) expect(target(command)).toBe(true);
    expect(fly.http_service.processes).toEqual(['web']);
    expect(fly.http_service.internal_port).toBe(Number(fly.env.PORT));
    expect(fly.http_service.checks[0]!.path).toBe('/healthz');
    const gatewayCheck = Object.values(fly.checks).find((c) => c.processes.includes('gateway'))!;
    expect(gatewayCheck.port).toBe(Number(fly.env.HEALTH_PORT));
    expect(gatewayCheck.path).toBe('/healthz');
    const proxyCheck = Object.values(fly.checks).find((c) => c.processes.includes('proxy'))!;
    expect(proxyCheck.port).toBe(Number(fly.env.PROXY_PORT));
    expect(proxyCheck.path).toBe('/healthz');
    expect(fly.vm.map((vm) => vm.processes[0]).sort()).toEqual(['gateway', 'proxy', 'web']);
    // The image copies what the processes need.
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    for (const needed of [
      'build build',
      'dashboard/build dashboard/build',
      'db/migrations db/migrations',
    ]) {
      expect(dockerfile).toContain(needed);
    }
    // Both stages run the Node major that .ci/run tests the suite on a second time.
    const images = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    const tools = JSON.parse(
      readFileSync(join(root, '.ci', 'node-lts', 'package.json'), 'utf8'),
    ) as {
      optionalDependencies: Record<string, string>;
    };
    const testedMajors = new Set(
      Object.values(tools.optionalDependencies).map((version) => version.split('.')[0]),
    );
    expect(testedMajors.size).toBe(1);
    const [major] = testedMajors;
    expect(images).toEqual([`node:${major}-bookworm-slim`, `node:${major}-bookworm-slim`]);
  });

  it("the README's scale-out recipe fits fly.toml: shard ranges cover every shard once, all behind the proxy", () => {
    const fly = parse(readFileSync(join(root, 'fly.toml'), 'utf8')) as unknown as FlyToml;
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Scale-out'), readme.indexOf('## Benchmarks'));
    const block = /```toml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBeDefined();
    const recipe = parse(block!) as unknown as Pick<FlyToml, 'env' | 'processes' | 'checks'>;
    for (const command of Object.values(recipe.processes)) expect(target(command)).toBe(true);
    // web and proxy as in fly.toml; the gateway group replaced by one group per shard range.
    expect(recipe.processes.web).toBe(fly.processes.web);
    expect(recipe.processes.proxy).toBe(fly.processes.proxy);
    const groups = Object.keys(recipe.processes).filter((name) => name.startsWith('gateway_'));
    expect(groups.length).toBeGreaterThan(1);
    const counts = new Set<number>();
    const shards: number[] = [];
    for (const group of groups) {
      const command = recipe.processes[group]!;
      expect(command.endsWith(fly.processes.gateway!)).toBe(true);
      counts.add(Number(/SHARD_COUNT=(\d+)/.exec(command)![1]));
      const [from, to] = /SHARD_IDS=(\d+)-(\d+)/.exec(command)!.slice(1).map(Number);
      for (let id = from!; id <= to!; id++) shards.push(id);
    }
    expect(counts.size).toBe(1);
    const [count] = counts;
    expect(shards.sort((a, b) => a - b)).toEqual(Array.from({ length: count! }, (_, i) => i));
    // The gateway check watches every range; its name is fly.toml's.
    const [checkName, check] = Object.entries(recipe.checks)[0]!;
    expect(fly.checks[checkName]!.processes).toEqual(['gateway']);
    expect([...check.processes].sort()).toEqual(groups.sort());
    // Everything points at the proxy group over Fly's private network, on the proxy's port.
    expect(recipe.env.DISCORD_API_BASE).toBe(
      `http://proxy.process.${fly.app}.internal:${fly.env.PROXY_PORT}/api`,
    );
    expect(fly.env.PROXY_HOST).toBe('::');
  });
});

describe('production build on the simulator', () => {
  let sim: Simulator;
  let db: TestDb | undefined;
  const procs: ReturnType<typeof run>[] = [];
  beforeAll(async () => {
    sim = await startSimulator({ heartbeatIntervalMs: 1000 });
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await db?.dispose();
    db = undefined;
  });
  afterAll(() => sim.close());

  function world() {
    const guild = sim.createGuild({ name: 'Prod' });
    const log = sim.createChannel(guild.id, { name: 'log' });
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(guild.id, alice.id);
    const invite = sim.createInvite(guild.id, { inviterId: alice.id });
    sim.setOAuthUser(guild.ownerId);
    return { guild, log, alice, invite };
  }

  async function seed(
    handle: { db: Parameters<typeof storeGuild>[0] },
    guildId: string,
    logId: string,
  ) {
    await storeGuild(handle.db, guildId, 'Prod');
    await updateGuildSettings(handle.db, guildId, { logChannelId: logId }, null);
  }

  const discordEnv = () => ({
    DISCORD_TOKEN: sim.token,
    DISCORD_API_BASE: sim.api,
    DISCORD_CLIENT_ID: sim.oauth.clientId,
    DISCORD_CLIENT_SECRET: sim.oauth.clientSecret,
    DISCORD_AUTHORIZE_URL: sim.authorizeUrl,
    SESSION_SECRET: 'x'.repeat(40),
  });

  async function exercise(healthPort: number, webPort: number, w: ReturnType<typeof world>) {
    const health = `http://127.0.0.1:${healthPort}`;
    await eventually(
      async () => (await fetch(`${health}/healthz`).catch(() => null))?.status === 200,
      30_000,
    );
    await eventually(
      async () =>
        (await fetch(`http://127.0.0.1:${webPort}/healthz`).catch(() => null))?.status === 200,
      30_000,
    );
    // Give the gateway a moment to take the guild's first baseline.
    await new Promise((r) => setTimeout(r, 1500));
    const bob = sim.createUser({ username: 'bob' });
    await sim.join(w.guild.id, bob.id, { code: w.invite.code });
    const [line] = await eventually(
      () => (sim.messages(w.log.id).length ? sim.messages(w.log.id) : undefined),
      20_000,
    );
    expect(line!.content).toBe(
      `<@${bob.id}> wurde von <@${w.alice.id}> eingeladen. Einladungs-Count: 1`,
    );
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${health}/metrics`)).text();
      return /invite_tracker_joins_total\{outcome="exact"\} 1/.test(text) ? text : undefined;
    });
    expect(metrics).toContain('invite_tracker_guilds');
    const cookie = await loginThroughSimulator(`http://127.0.0.1:${webPort}`);
    const servers = await fetch(`http://127.0.0.1:${webPort}/servers`, { headers: { cookie } });
    expect(servers.status).toBe(200);
    expect(await servers.text()).toContain('Prod');
  }

  it('gateway and dashboard as separate processes on Postgres (Fly process groups)', async (context) => {
    if (!TEST_DATABASE_URL) {
      console.log('[production] separate processes need Postgres (TEST_DATABASE_URL); skipped');
      context.skip();
    }
    const w = world();
    db = await createTestDb('postgres');
    if (db.kind !== 'postgres') throw new Error('unreachable');
    await seed(db, w.guild.id, w.log.id);
    const [healthPort, webPort] = [await freePort(), await freePort()];
    const migrateRun = run(['build/migrate.js'], { DATABASE_URL: db.url });
    expect(await migrateRun.exited).toBe(0);
    const gateway = run(['build/gateway.js'], {
      ...discordEnv(),
      DATABASE_URL: db.url,
      HEALTH_PORT: String(healthPort),
      ATTRIBUTION_SETTLE_MS: '150',
    });
    const web = run(['dashboard/build'], {
      ...discordEnv(),
      DATABASE_URL: db.url,
      PORT: String(webPort),
      HOST: '127.0.0.1',
      ORIGIN: `http://127.0.0.1:${webPort}`,
    });
    procs.push(gateway, web);
    await exercise(healthPort, webPort, w);
    for (const proc of [gateway, web]) {
      const stopped = await stopWithin(proc);
      expect(stopped.code, proc.output().slice(-2000)).toBe(0);
      expect(stopped.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    }
  }, 120_000);

  it('npm start: both in one process on embedded PGlite', async () => {
    const w = world();
    const dir = join(mkdtempSync(join(tmpdir(), 'prod-pglite-')), 'pglite');
    const handle = await createDb(undefined, { dataDir: dir });
    await migrate(handle);
    await seed(handle, w.guild.id, w.log.id);
    await handle.close();
    const [healthPort, webPort] = [await freePort(), await freePort()];
    const all = run(['build/start.js'], {
      ...discordEnv(),
      PGLITE_DIR: dir,
      HEALTH_PORT: String(healthPort),
      PORT: String(webPort),
      HOST: '127.0.0.1',
      ORIGIN: `http://127.0.0.1:${webPort}`,
      ATTRIBUTION_SETTLE_MS: '150',
    });
    procs.push(all);
    await exercise(healthPort, webPort, w);
    const stopped = await stopWithin(all);
    expect(stopped.code, all.output().slice(-2000)).toBe(0);
    expect(stopped.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
  }, 120_000);
});
