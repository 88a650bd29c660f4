/**
 * The scale benchmark's gateway process: the production composition (configuration from the
 * environment → database → startGateway, as gateway/main.ts), plus an IPC port through which the
 * parent asks for its memory after forced GC, its priming progress and its idleness. Run with
 * `node --expose-gc --import tsx` (tests/bench/lib/gateway-child.ts does), so the heap and RSS
 * measured are this process's alone, not the simulator's.
 */
import { openDatabase } from '../../../db/migrate';
import { createLogger } from '../../../db/shared/log';
import { startGateway } from '../../../gateway/app';
import { readGatewayConfig } from '../../../gateway/env';

export type ChildRequest = { id: number; type: 'memory' | 'status' | 'settled' | 'stop' };
export type ChildStatus = { guilds: number; primed: number; ready: boolean };
export type ChildMemory = { heapUsed: number; rss: number };

const log = createLogger('gateway');
const config = readGatewayConfig(process.env);
log.level = config.logLevel;
const db = await openDatabase(config.database, { log });
const gateway = await startGateway({ ...config.gateway, db, log });

const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('the scale gateway needs node --expose-gc');

async function answer(request: ChildRequest): Promise<unknown> {
  switch (request.type) {
    case 'memory': {
      collect!();
      collect!();
      const { heapUsed, rss } = process.memoryUsage();
      return { heapUsed, rss } satisfies ChildMemory;
    }
    case 'status': {
      let primed = 0;
      for (const runner of gateway.registry.all()) if (runner.state.isPrimed) primed += 1;
      return {
        guilds: gateway.registry.size,
        primed,
        ready: gateway.ready(),
      } satisfies ChildStatus;
    }
    case 'settled':
      await gateway.settled();
      return null;
    case 'stop':
      await gateway.stop({ resumable: false });
      await db.close();
      return null;
  }
}

process.on('message', (request: ChildRequest) => {
  answer(request).then(
    (result) => process.send?.({ id: request.id, result }),
    (error: unknown) => process.send?.({ id: request.id, error: String(error) }),
  );
});
process.send?.({ id: 0, result: 'started' });
