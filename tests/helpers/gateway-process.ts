/**
 * Runs the real gateway entry point (`gateway/main.ts` through tsx; or another entry such as the
 * REST proxy's, `gateway/proxy.ts`) as a child process, as an operator would, and collects its log
 * lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

export type GatewayProcess = {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves when a log line matches. */
  waitForLog: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
};

export function spawnGateway(
  env: Record<string, string>,
  entry = 'gateway/main.ts',
): GatewayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: process.env.CHILD_LOG_LEVEL ?? 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    output: () => output,
    exited,
    waitForLog: (pattern, timeoutMs = 20_000) =>
      new Promise((done, fail) => {
        const check = () => {
          const line = output.split('\n').find((l) => pattern.test(l));
          if (line) {
            listeners.delete(check);
            clearTimeout(timer);
            done(line);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          fail(
            new Error(
              `no log line matching ${pattern} within ${timeoutMs} ms; output:\n${output.slice(-3000)}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}
