import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loginThroughSimulator } from '../helpers/login';
import { freePort } from '../helpers/ports';
import { eventually } from './stack';

const root = resolve(import.meta.dirname, '..', '..');

describe('npm run demo', () => {
  it('serves the dashboard, signs in as the demo admin, lets members join, and stops on Ctrl-C', async () => {
    const port = await freePort();
    const child = spawn('npm', ['run', '-s', 'demo'], {
      cwd: root,
      env: {
        ...process.env,
        DEMO_PORT: String(port),
        DEMO_JOIN_EVERY_MS: '300',
        DEMO_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'demo-')), 'data'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so Ctrl-C can be sent to npm and the demo together, as a terminal does.
      detached: true,
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    try {
      await eventually(() => output.includes('Dashboard:'), 60_000);
      const dashboard = `http://127.0.0.1:${port}`;
      expect((await fetch(`${dashboard}/`)).status).toBe(200);
      const cookie = await loginThroughSimulator(dashboard);
      const servers = await fetch(`${dashboard}/servers`, { headers: { cookie } });
      expect(await servers.text()).toContain('Spieleabend Community');
      await eventually(() => (output.match(/tritt bei/g) ?? []).length >= 3, 20_000);
    } finally {
      process.kill(-child.pid!, 'SIGINT');
    }
    await exited;
    // The demo itself stopped cleanly: it said so, and its dashboard port is closed.
    await eventually(() => output.includes('Stopping'), 10_000);
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => null)) === null,
      10_000,
    );
    expect(output).not.toMatch(/Error|error:/);
  }, 120_000);
});
