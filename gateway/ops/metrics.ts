/** Prometheus metrics of the gateway (served on the health port at /metrics). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    joins: new Counter({
      name: 'invite_tracker_joins_total',
      help: 'Joins decided, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    inviteFetches: new Counter({
      name: 'invite_tracker_invite_fetches_total',
      help: 'GET /guilds/{id}/invites requests, by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'invite_tracker_rate_limited_total',
      help: '429 responses seen by the REST client',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    badPayloads: new Counter({
      name: 'invite_tracker_bad_payloads_total',
      help: 'Gateway dispatches ignored because they were malformed or for unknown guilds',
      labelNames: ['event', 'problem'] as const,
      registers: [registry],
    }),
    outboxSent: new Counter({
      name: 'invite_tracker_outbox_sent_total',
      help: 'Outbox messages, by kind and result',
      labelNames: ['kind', 'result'] as const,
      registers: [registry],
    }),
    outboxBacklog: new Gauge({
      name: 'invite_tracker_outbox_backlog',
      help: 'Outbox messages waiting to be sent',
      registers: [registry],
    }),
    outboxBacklogAge: new Gauge({
      name: 'invite_tracker_outbox_backlog_age_seconds',
      help: 'How long the oldest message waiting to be sent has waited',
      registers: [registry],
    }),
    dbRetries: new Counter({
      name: 'invite_tracker_db_retries_total',
      help: 'Database writes retried after an error',
      registers: [registry],
    }),
    gatewayLatency: new Gauge({
      name: 'invite_tracker_gateway_ping_ms',
      help: 'Heartbeat round trip per shard',
      labelNames: ['shard'] as const,
      registers: [registry],
    }),
    revisions: new Counter({
      name: 'invite_tracker_revisions_total',
      help: 'Decided joins whose decision later facts changed, by cause',
      labelNames: ['cause'] as const,
      registers: [registry],
    }),
    eventDelay: new Histogram({
      name: 'invite_tracker_event_delay_seconds',
      help: 'From the join (joined_at, clock offset estimated) to its GUILD_MEMBER_ADD reaching us',
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    incrementLag: new Histogram({
      name: 'invite_tracker_increment_lag_seconds',
      help: 'How long after its event a use was counted, where the counts showed it',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [registry],
    }),
    attributionWindows: new Gauge({
      name: 'invite_tracker_attribution_window_seconds',
      help: 'The windows attribution works with now: event delay and increment lag (measured, never below the floors)',
      labelNames: ['window'] as const,
      registers: [registry],
    }),
    decisionLatency: new Histogram({
      name: 'invite_tracker_join_decision_seconds',
      help: 'From GUILD_MEMBER_ADD to the decision being stored',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 120],
      registers: [registry],
    }),
    guilds: new Gauge({
      name: 'invite_tracker_guilds',
      help: 'Guilds tracked by this process',
      registers: [registry],
    }),
    commands: new Counter({
      name: 'invite_tracker_commands_total',
      help: 'Slash commands answered, by command and result',
      labelNames: ['command', 'result'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
