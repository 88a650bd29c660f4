/** Parent side of tests/bench/lib/scale-gateway.ts: starts it as a child process and asks it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { ChildMemory, ChildRequest, ChildStatus } from './scale-gateway';

const entry = resolve(import.meta.dirname, 'scale-gateway.ts');

export type GatewayChild = {
  child: ChildProcess;
  memory: () => Promise<ChildMemory>;
  status: () => Promise<ChildStatus>;
  settled: () => Promise<void>;
  /** Stops the gateway (not resumable: its sessions end) and waits for the process to exit. */
  stop: () => Promise<void>;
};

export async function startGatewayChild(env: Record<string, string>): Promise<GatewayChild> {
  const child = fork(entry, [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { done: (v: unknown) => void; fail: (e: Error) => void }>();
  let next = 1;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const started = new Promise<void>((done, fail) => {
    waiting.set(0, { done: () => done(), fail });
    child.once('exit', (code) => fail(new Error(`scale gateway exited with ${code} at start`)));
  });
  child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    const waiter = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error) waiter?.fail(new Error(message.error));
    else waiter?.done(message.result);
  });
  const ask = <T>(type: ChildRequest['type']) =>
    new Promise<T>((done, fail) => {
      const id = next++;
      waiting.set(id, { done: done as (v: unknown) => void, fail });
      child.send({ id, type } satisfies ChildRequest);
    });
  await started;
  return {
    child,
    memory: () => ask<ChildMemory>('memory'),
    status: () => ask<ChildStatus>('status'),
    settled: () => ask<void>('settled'),
    stop: async () => {
      await ask<void>('stop');
      child.disconnect();
      await exited;
    },
  };
}
