import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createDb, DatabaseConfigError, describeDatabaseUrl } from '../../db/client';

function captureLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino(stream), lines };
}

describe('DATABASE_URL handling', () => {
  it('describes a URL by user, host, port and database, never the password', () => {
    const { target } = describeDatabaseUrl('postgres://app:s3cr%40t@db.internal:6543/invites');
    expect(target).toBe('app@db.internal:6543/invites');
    expect(target).not.toContain('s3cr');
  });

  it.each([
    ['not a url', /not a valid URL/],
    ['mysql://u:p@host/db', /must start with postgres/],
    ['postgres://u:p@host:5432/', /must name a host and a database/],
  ])('rejects malformed %s with a clear message', async (url, message) => {
    const error = await createDb(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it('names host and database when Postgres is unreachable, and hides the password', async () => {
    const url = 'postgres://app:hunter2secret@127.0.0.1:1/invites_prod';
    const error = await createDb(url, { connectTimeout: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseConfigError);
    const message = (error as Error).message;
    expect(message).toContain('Cannot connect to Postgres at app@127.0.0.1:1/invites_prod');
    expect(message).not.toContain('hunter2secret');
  });
});

describe('embedded PGlite', () => {
  it('creates its data directory and logs that it is used', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'pglite-')), 'nested', 'pglite');
    const { log, lines } = captureLogger();
    const handle = await createDb(undefined, { dataDir, log });
    try {
      expect(handle.kind).toBe('pglite');
      expect(existsSync(dataDir)).toBe(true);
      expect(lines.join('')).toContain(
        `DATABASE_URL is not set: using embedded PGlite in ${dataDir}`,
      );
    } finally {
      await handle.close();
    }
  });
});
