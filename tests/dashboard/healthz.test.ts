import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_ENTRY } from '../helpers/dashboard-build';
import { freePort } from '../helpers/ports';

describe('built dashboard', () => {
  let child: ChildProcess;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [DASHBOARD_ENTRY], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: 'pipe',
    });
    // adapter-node prints "Listening on ..." once it accepts connections.
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Listening on')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`dashboard exited with ${code}`)));
    });
  });
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('serves /healthz', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers unknown paths with 404', async () => {
    const response = await fetch(`${base}/does-not-exist`);
    expect(response.status).toBe(404);
  });
});
