import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createClientErrorLog } from '../../dashboard/src/lib/server/http/client-errors';

/** A pino logger writing JSON lines into an array, and a clock the test moves. */
function setup(limit = 3) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const log = pino({ level: 'info' }, sink);
  let clock = 1_000_000;
  const clientErrors = createClientErrorLog(log, { limit, windowMs: 60_000, now: () => clock });
  const report = (status: number) =>
    clientErrors.report({
      status,
      method: 'POST',
      path: '/servers/1/codes',
      route: '/servers/[guildId]/codes',
      reason: 'Form actions expect form-encoded data',
    });
  return { lines, report, clientErrors, advance: (ms: number) => (clock += ms) };
}

describe('client errors in the log', () => {
  it('are warnings without a stack, at most `limit` per status and minute, then one summary', () => {
    const { lines, report, advance } = setup(3);
    for (let i = 0; i < 8; i++) report(415);
    report(413);
    expect(lines.filter((l) => l.status === 415)).toHaveLength(3);
    expect(lines.filter((l) => l.status === 413)).toHaveLength(1);
    for (const line of lines) {
      expect(line).toMatchObject({ level: 40, msg: 'client error', method: 'POST' });
      expect(line).not.toHaveProperty('err');
      expect(line).not.toHaveProperty('stack');
    }
    advance(60_000);
    report(415);
    const after = lines.slice(4);
    expect(after).toEqual([
      expect.objectContaining({ level: 40, status: 415, dropped: 5, windowSeconds: 60 }),
      expect.objectContaining({ level: 40, status: 415, msg: 'client error' }),
    ]);
  });

  it('flush writes the summary of a window that is still open', () => {
    const { lines, report, clientErrors } = setup(1);
    report(405);
    report(405);
    report(405);
    expect(lines).toHaveLength(1);
    clientErrors.flush();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 40, status: 405, dropped: 2 });
    clientErrors.flush();
    expect(lines).toHaveLength(2);
  });
});
