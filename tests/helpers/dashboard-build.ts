/**
 * Builds the dashboard (adapter-node output in dashboard/build) when it is missing or older than its
 * sources, so tests that run the built server work from a fresh clone. Called once per test run from
 * the global setup, never from parallel test files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
export const DASHBOARD_ENTRY = join(root, 'dashboard', 'build', 'index.js');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === '.svelte-kit' || entry === 'build') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

export function ensureDashboardBuild(log: (line: string) => void): void {
  const sources = [join(root, 'dashboard'), join(root, 'db')];
  const builtAt = existsSync(DASHBOARD_ENTRY) ? statSync(DASHBOARD_ENTRY).mtimeMs : 0;
  if (builtAt > Math.max(...sources.map(newestMtime))) return;
  log('[dashboard] building the dashboard (sources changed or no build yet)');
  const started = Date.now();
  try {
    execFileSync('npm', ['run', 'build', '-w', 'dashboard'], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    const output = `${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`;
    throw new Error(`building the dashboard failed:\n${output.slice(-4000)}`);
  }
  log(`[dashboard] built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
