import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_ENTRY } from '../helpers/dashboard-build';
import { freePort } from '../helpers/ports';

/** Starts the built dashboard with `env` (and nothing from this process's Discord/DB settings). */
async function start(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(DISCORD_|DATABASE_URL|SESSION_SECRET|ORIGIN|PUBLIC_URL|PGLITE_DIR)/.test(k),
    ),
  );
  const child = spawn(process.execPath, [DASHBOARD_ENTRY], {
    env: { ...clean, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: 'pipe',
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      // adapter-node prints "Listening on ..." once it accepts connections.
      if (output.includes('Listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`dashboard exited with ${code}: ${output}`)));
  });
  return { child, base, output: () => output };
}

describe('built dashboard', () => {
  let configured: Awaited<ReturnType<typeof start>>;
  let unconfigured: Awaited<ReturnType<typeof start>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'it-dash-healthz-'));

  beforeAll(async () => {
    configured = await start({
      DISCORD_CLIENT_ID: '123456789012345678',
      DISCORD_CLIENT_SECRET: 'client-secret-value',
      DISCORD_TOKEN: 'bot-token-value-123456789',
      DISCORD_API_BASE: 'http://127.0.0.1:9/api',
      SESSION_SECRET: 'a-long-enough-session-secret-for-tests',
      ORIGIN: 'http://127.0.0.1:1',
      PGLITE_DIR: join(dataDir, 'pglite'),
    });
    unconfigured = await start({ DISCORD_TOKEN: 'bot-token-value-123456789' });
  });
  afterAll(() => {
    configured?.child.kill('SIGTERM');
    unconfigured?.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /healthz, configured or not', async () => {
    for (const { base } of [configured, unconfigured]) {
      const response = await fetch(`${base}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    }
  });

  it('answers unknown paths with 404', async () => {
    const response = await fetch(`${configured.base}/does-not-exist`);
    expect(response.status).toBe(404);
  });

  it('sends security headers and a CSP', async () => {
    const response = await fetch(`${configured.base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self' 'nonce-/);
    expect(await response.text()).toContain('<html lang="de">');
  });

  it('follows Accept-Language for the page language', async () => {
    const response = await fetch(`${configured.base}/`, {
      headers: { 'accept-language': 'en-US,en' },
    });
    const html = await response.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Log in with Discord');
  });

  it('without configuration explains what is missing, by name and without values', async () => {
    const response = await fetch(`${unconfigured.base}/servers`);
    expect(response.status).toBe(503);
    const html = await response.text();
    for (const name of ['DISCORD_CLIENT_ID', 'DISCORD_CLIENT_SECRET', 'SESSION_SECRET', 'ORIGIN']) {
      expect(html).toContain(name);
    }
    expect(html).not.toContain('DISCORD_TOKEN is missing');
    expect(html).not.toContain('bot-token-value');
    expect(unconfigured.output()).toContain('dashboard configuration incomplete');
    expect(unconfigured.output()).not.toContain('bot-token-value');
  });
});
