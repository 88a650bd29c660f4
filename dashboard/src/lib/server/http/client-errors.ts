/**
 * Client mistakes that SvelteKit turns into 4xx errors (JSON posted to a form action: 415, a body
 * over the size limit: 413, a method a page does not take: 405) say nothing about the server.
 * They are logged as warnings without a stack, at most `limit` per status and window, so anyone
 * with a browser cannot flood the log; what is left out is counted in one summary line per window.
 */
import type { Logger } from '$db/shared/log';

export type ClientErrorReport = {
  status: number;
  method: string;
  path: string;
  route: string | null;
  /** What went wrong, in SvelteKit's words (no stack). */
  reason: string;
};

type Window = { start: number; logged: number; dropped: number; timer: NodeJS.Timeout | null };

export function createClientErrorLog(
  log: Pick<Logger, 'warn'>,
  options: { limit?: number; windowMs?: number; now?: () => number } = {},
) {
  const limit = options.limit ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const windows = new Map<number, Window>();

  function close(status: number): void {
    const window = windows.get(status);
    if (!window) return;
    windows.delete(status);
    if (window.timer) clearTimeout(window.timer);
    if (window.dropped > 0) {
      log.warn(
        { status, dropped: window.dropped, windowSeconds: windowMs / 1000 },
        `client errors not logged: ${window.dropped} more with status ${status}`,
      );
    }
  }

  return {
    report(report: ClientErrorReport): void {
      const at = now();
      let window = windows.get(report.status);
      if (window && at - window.start >= windowMs) {
        close(report.status);
        window = undefined;
      }
      if (!window) {
        window = { start: at, logged: 0, dropped: 0, timer: null };
        windows.set(report.status, window);
      }
      if (window.logged < limit) {
        window.logged += 1;
        log.warn({ ...report }, 'client error');
        return;
      }
      window.dropped += 1;
      // The summary also comes when nothing follows the flood.
      if (!window.timer) {
        window.timer = setTimeout(() => close(report.status), windowMs - (at - window.start));
        window.timer.unref();
      }
    },
    /** Writes the summaries of the windows still open. */
    flush(): void {
      for (const status of [...windows.keys()]) close(status);
    },
  };
}
