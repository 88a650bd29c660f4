/**
 * `npm run sim`: start the simulator standalone. Prints exactly one JSON line (addresses and
 * credentials) to stdout, logs nothing else there, and serves until SIGINT/SIGTERM.
 *
 *   npm run sim -- --port 4000 --seed 42 --token my.bot.token
 */
import { parseArgs } from 'node:util';
import { startSimulator } from './index';
import type { SimOptions } from './types';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    seed: { type: 'string' },
    token: { type: 'string' },
    'application-id': { type: 'string' },
    'heartbeat-interval': { type: 'string' },
    'interaction-deadline': { type: 'string' },
    'session-ttl': { type: 'string' },
    latency: { type: 'string' },
    'privileged-intents': { type: 'string' },
    'global-rate-limit': { type: 'string' },
    'recommended-shards': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (values.help) {
  process.stderr.write(
    [
      'usage: npm run sim -- [options]',
      '  --port N                 listen port (default: chosen by the OS)',
      '  --seed N                 deterministic ids, codes and tokens',
      '  --token T                bot token (default: derived from the seed)',
      '  --application-id ID      application / bot user id',
      '  --heartbeat-interval MS  HELLO heartbeat_interval (default 41250)',
      '  --interaction-deadline MS (default 3000)',
      '  --session-ttl MS         how long a dropped session stays resumable (default 60000)',
      '  --latency MS             added to every REST response',
      '  --privileged-intents N   enabled privileged intents bitfield (default 2)',
      '  --global-rate-limit N    global requests per second (default off)',
      '  --recommended-shards N   `shards` in GET /gateway/bot (default 1)',
      '  --redirect-uri URI       registered OAuth2 redirect URI (repeatable)',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    process.stderr.write(`--${name} must be a non-negative integer\n`);
    process.exit(2);
  }
  return Number(value);
}

const globalPerSecond = int('global-rate-limit', values['global-rate-limit']);
const options: SimOptions = {
  port: int('port', values.port),
  seed: int('seed', values.seed),
  token: values.token,
  applicationId: values['application-id'],
  heartbeatIntervalMs: int('heartbeat-interval', values['heartbeat-interval']),
  interactionDeadlineMs: int('interaction-deadline', values['interaction-deadline']),
  sessionTtlMs: int('session-ttl', values['session-ttl']),
  restLatencyMs: int('latency', values.latency),
  privilegedIntents: int('privileged-intents', values['privileged-intents']),
  globalRateLimit: globalPerSecond === undefined ? null : { perSecond: globalPerSecond },
  recommendedShards: int('recommended-shards', values['recommended-shards']),
  oauth: values['redirect-uri'] ? { redirectUris: values['redirect-uri'] } : undefined,
};

const sim = await startSimulator(options);
process.stdout.write(
  `${JSON.stringify({
    api: sim.api,
    gateway: sim.gatewayUrl,
    control: sim.controlUrl,
    authorize: sim.authorizeUrl,
    port: sim.port,
    token: sim.token,
    applicationId: sim.applicationId,
    botUserId: sim.botUser.id,
    clientId: sim.oauth.clientId,
    clientSecret: sim.oauth.clientSecret,
    seed: options.seed ?? null,
  })}\n`,
);

let stopping = false;
function stop(signal: string): void {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`[discord-sim] ${signal}: shutting down\n`);
  sim.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`[discord-sim] close failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
