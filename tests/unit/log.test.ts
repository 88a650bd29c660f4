import { Writable } from 'node:stream';
import { DiscordAPIError } from '@discordjs/rest';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS, serializeError } from '../../db/shared/log';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const log = pino(
    { redact: { paths: REDACT_PATHS, censor: '[redacted]' }, serializers: { err: serializeError } },
    stream,
  );
  return { log, text: () => lines.join('') };
}

describe('logs keep secrets out', () => {
  it('redacts interaction and webhook tokens in REST errors and drops request bodies', () => {
    const { log, text } = capture();
    const token = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OlNFQ1JFVA';
    const error = new DiscordAPIError(
      { code: 10062, message: 'Unknown interaction' },
      10062,
      404,
      'POST',
      `https://discord.com/api/v10/interactions/123456789012345678/${token}/callback`,
      { body: { content: 'hello', token } },
    );
    log.warn({ err: error }, 'could not answer');
    const webhook = new Error(
      `request to /webhooks/987654321098765432/${token}/messages/@original failed`,
    );
    log.warn({ err: webhook }, 'edit failed');
    expect(text()).not.toContain(token);
    expect(text()).toContain('interactions/123456789012345678/[redacted]');
    expect(text()).toContain('webhooks/987654321098765432/[redacted]');
  });

  it('redacts secrets by key', () => {
    const { log, text } = capture();
    log.info(
      { token: 'bot-token-value', headers: { authorization: 'Bot abc' }, access_token: 'xyz' },
      'x',
    );
    expect(text()).not.toMatch(/bot-token-value|Bot abc|xyz/);
  });
});
