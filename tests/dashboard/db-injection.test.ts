import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import {
  findMigrationsFolder,
  getDbHandle,
  setDashboardDb,
} from '../../dashboard/src/lib/server/db';

describe('dashboard database handle', () => {
  const slot = globalThis as Record<symbol, unknown>;
  const key = Symbol.for('invite-tracker.dashboard.db');
  afterAll(() => {
    delete slot[key];
  });

  it('uses an injected handle (one process with the gateway on PGlite) instead of opening one', async () => {
    const handle = await createDb(undefined, { dataDir: 'memory://' });
    setDashboardDb(handle);
    expect(await getDbHandle()).toBe(handle);
    // Through the global symbol, so the copy bundled into dashboard/build sees it too.
    expect(slot[key]).toBe(handle);
    await handle.close();
  });

  it('finds db/migrations from the module location', () => {
    const folder = findMigrationsFolder();
    expect(existsSync(join(folder, 'meta', '_journal.json'))).toBe(true);
  });
});
