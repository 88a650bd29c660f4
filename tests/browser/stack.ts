/**
 * A running dashboard for browser tests and the benchmark: the Discord simulator, a real database
 * (Postgres when TEST_DATABASE_URL is set, else a PGlite data directory in a temp folder) and the
 * BUILT dashboard (`node dashboard/build/index.js`) as a child process pointed at both.
 *
 * PGlite allows one process per data directory: seed before `start()`, read after `stop()`.
 * On Postgres the handle stays open the whole time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type DbHandle } from '../../db/client';
import { migrate } from '../../db/migrate';
import { DASHBOARD_ENTRY } from '../helpers/dashboard-build';
import { createTestDb, TEST_DATABASE_URL, type TestDb } from '../helpers/db';
import { freePort } from '../helpers/ports';
import { startSimulator, type Simulator } from '../sim/index';

export type StackDbKind = 'postgres' | 'pglite';

export const SESSION_SECRET = 'browser-test-session-secret-0123456789abcdef';

export class DashboardStack {
  readonly sim: Simulator;
  readonly kind: StackDbKind;
  readonly port: number;
  readonly base: string;
  #pg: TestDb | null;
  #dataDir: string | null;
  #pgliteHandle: DbHandle | null = null;
  #child: ChildProcess | null = null;
  #output = '';

  private constructor(
    sim: Simulator,
    kind: StackDbKind,
    port: number,
    pg: TestDb | null,
    dataDir: string | null,
  ) {
    this.sim = sim;
    this.kind = kind;
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.#pg = pg;
    this.#dataDir = dataDir;
  }

  /**
   * `databaseUrl`: use this (already migrated) Postgres database instead of a fresh one; the caller
   * owns it (the benchmark seeds a million joins into its own database).
   */
  static async create(
    options: { kind?: StackDbKind; databaseUrl?: string } = {},
  ): Promise<DashboardStack> {
    const kind = options.kind ?? (TEST_DATABASE_URL || options.databaseUrl ? 'postgres' : 'pglite');
    const sim = await startSimulator();
    const port = await freePort();
    if (options.databaseUrl) {
      const handle = await createDb(options.databaseUrl, { max: 5 });
      const external: TestDb = { ...handle, dispose: handle.close };
      return new DashboardStack(sim, 'postgres', port, external, null);
    }
    if (kind === 'postgres') {
      return new DashboardStack(sim, kind, port, await createTestDb('postgres'), null);
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'it-dash-'));
    return new DashboardStack(sim, kind, port, null, dataDir);
  }

  /** The database, for seeding and checking. On PGlite only while the dashboard is stopped. */
  async db(): Promise<DbHandle> {
    if (this.#pg) return this.#pg;
    if (this.#child) throw new Error('PGlite: stop the dashboard before opening its database');
    if (!this.#pgliteHandle) {
      this.#pgliteHandle = await createDb(undefined, { dataDir: join(this.#dataDir!, 'pglite') });
      await migrate(this.#pgliteHandle);
    }
    return this.#pgliteHandle;
  }

  get output(): string {
    return this.#output;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k, v]) =>
          v !== undefined &&
          !/^(DISCORD_|DATABASE_URL|SESSION_SECRET|ORIGIN|PUBLIC_URL|PGLITE_DIR|COOKIE_SECURE)/.test(
            k,
          ),
      ),
    ) as Record<string, string>;
    return {
      ...inherited,
      PORT: String(this.port),
      HOST: '127.0.0.1',
      ORIGIN: this.base,
      DISCORD_CLIENT_ID: this.sim.oauth.clientId,
      DISCORD_CLIENT_SECRET: this.sim.oauth.clientSecret,
      DISCORD_TOKEN: this.sim.token,
      DISCORD_API_BASE: this.sim.api,
      DISCORD_AUTHORIZE_URL: this.sim.authorizeUrl,
      SESSION_SECRET,
      LOG_LEVEL: 'info',
      ...(this.#pg && this.#pg.kind === 'postgres'
        ? { DATABASE_URL: this.#pg.url }
        : { PGLITE_DIR: join(this.#dataDir!, 'pglite') }),
      ...extra,
    };
  }

  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    if (this.#child) return;
    if (this.#pgliteHandle) {
      await this.#pgliteHandle.close();
      this.#pgliteHandle = null;
    }
    const child = spawn(process.execPath, [DASHBOARD_ENTRY], {
      env: this.env(extraEnv),
      stdio: 'pipe',
    });
    this.#child = child;
    let mine = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.#output += chunk.toString();
        mine += chunk.toString();
        if (mine.includes('Listening on')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`dashboard exited with ${code}:\n${mine}`)));
    });
    // Wait until migrations ran and the first request is served.
    await fetch(`${this.base}/healthz`);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    if (child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  async close(): Promise<void> {
    await this.stop();
    await this.#pgliteHandle?.close();
    await this.#pg?.dispose();
    await this.sim.close();
    if (this.#dataDir) rmSync(this.#dataDir, { recursive: true, force: true });
  }
}

/** `name=value` pairs from Set-Cookie headers, merged into a cookie jar. */
function absorb(jar: Map<string, string>, response: Response): void {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    if (/expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line)) jar.delete(name);
    else jar.set(name, value);
  }
}

export const cookieHeader = (jar: Map<string, string>) =>
  [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/** The whole OAuth dance without a browser: returns the cookie jar of a logged-in `userId`. */
export async function loginWithFetch(base: string, userId: string): Promise<Map<string, string>> {
  return (await loginFlow(base, userId)).jar;
}

/**
 * The OAuth dance starting at `/login?next=…`: the cookie jar and where the callback sends the
 * browser afterwards (its Location header, as sent).
 */
export async function loginFlow(
  base: string,
  userId: string,
  next?: string,
): Promise<{ jar: Map<string, string>; location: string }> {
  const jar = new Map<string, string>();
  const query = next === undefined ? '' : `?next=${encodeURIComponent(next)}`;
  const start = await fetch(`${base}/login${query}`, { redirect: 'manual' });
  absorb(jar, start);
  const authorize = new URL(start.headers.get('location')!);
  authorize.searchParams.set('sim_user', userId);
  const consent = await fetch(authorize, { redirect: 'manual' });
  const callback = consent.headers.get('location');
  if (!callback) throw new Error(`authorize answered ${consent.status}: ${await consent.text()}`);
  const back = await fetch(callback, {
    redirect: 'manual',
    headers: { cookie: cookieHeader(jar) },
  });
  absorb(jar, back);
  if (back.status !== 303)
    throw new Error(`callback answered ${back.status}: ${await back.text()}`);
  return { jar, location: back.headers.get('location') ?? '' };
}
