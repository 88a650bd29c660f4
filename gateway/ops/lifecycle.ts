/**
 * The gateway's lifecycle: background timers and an ordered list of stop steps. `stop()` runs once:
 * timers end first, then each step in the order it was registered (a failing step is logged and the
 * next one still runs, so a stuck part never keeps the rest from closing).
 */
import type { Logger } from '../../db/shared/log';

export type StopContext = {
  /** Keep the gateway sessions so the next process RESUMEs (a restart), or end them (shutdown). */
  resumable: boolean;
};

type Step = { name: string; run: (context: StopContext) => Promise<void> | void };

export class Lifecycle {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly steps: Step[] = [];
  private stopped: Promise<void> | null = null;
  private isStopping = false;

  constructor(private readonly log: Logger) {}

  get stopping(): boolean {
    return this.isStopping;
  }

  /** Runs `task` every `ms` until stop; a failure is logged and the next tick tries again. */
  every(ms: number, name: string, task: () => Promise<unknown> | void): void {
    const timer = setInterval(() => {
      void Promise.resolve()
        .then(task)
        .catch((err: unknown) => this.log.warn({ err, task: name }, 'background task failed'));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Adds a step to the stop sequence (steps run in the order they were added). */
  onStop(name: string, run: Step['run']): void {
    this.steps.push({ name, run });
  }

  stop(context: StopContext): Promise<void> {
    // Set before any step runs: the steps' own callbacks ask whether we are stopping.
    this.isStopping = true;
    this.stopped ??= this.run(context);
    return this.stopped;
  }

  private async run(context: StopContext): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const step of this.steps) {
      try {
        await step.run(context);
      } catch (err) {
        this.log.error({ err, step: step.name }, 'a stop step failed');
      }
    }
  }
}
