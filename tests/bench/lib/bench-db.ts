/** A fresh database for a benchmark run: Postgres when reachable (like production), else PGlite. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createDb, type DbHandle } from '../../../db/client';
import { migrate } from '../../../db/migrate';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

export async function benchDatabase(): Promise<{
  handle: DbHandle;
  label: string;
  dispose: () => Promise<void>;
}> {
  const base = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || DEFAULT_URL;
  const admin = postgres(base, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    const name = `bench_${randomBytes(4).toString('hex')}`;
    await admin.unsafe(`create database "${name}"`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    const handle = await createDb(url.toString(), { max: 20 });
    await migrate(handle);
    return {
      handle,
      label: `postgres ${url.host}/${name}`,
      dispose: async () => {
        await handle.close();
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
        await admin.end();
      },
    };
  } catch {
    await admin.end({ timeout: 0 }).catch(() => {});
    const handle = await createDb(undefined, { dataDir: 'memory://' });
    await migrate(handle);
    return { handle, label: 'pglite (memory)', dispose: () => handle.close() };
  }
}
