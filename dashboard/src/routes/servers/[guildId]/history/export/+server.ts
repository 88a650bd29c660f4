/** CSV export of the filtered join history (GET, read-only), streamed in batches. */
import { exportJoins } from '$db/queries/history';
import { CSV_BOM, csvLine } from '$lib/server/history/csv';
import { managedGuild } from '$lib/server/guilds/guard';
import { historyFilter } from '$lib/server/history/filter';
import { parseHistoryQuery } from '$lib/server/history/query';
import { joinView } from '$lib/server/history/view';
import { log } from '$lib/server/log';
import type { RequestHandler } from './$types';

/** An export stops here; narrow the filter for more. */
const MAX_ROWS = 250_000;

const HEADER = [
  'joined_at',
  'member_id',
  'member',
  'outcome',
  'outcome_label',
  'reason',
  'code',
  'inviter_id',
  'inviter',
  'excluded',
  'xp',
  'left_at',
  'resolved_by_admin',
  'fake',
  'fake_flags',
  'reward_status',
  'reward_due_at',
];

export const GET: RequestHandler = async ({ locals, url }) => {
  const { id: guildId, user } = managedGuild(locals);
  const db = locals.db;
  const query = parseHistoryQuery(url.searchParams);
  const filter = await historyFilter(db, guildId, query);
  const locale = locals.locale;
  const rows = exportJoins(db, guildId, filter, { batchSize: 500, maxRows: MAX_ROWS });
  const encoder = new TextEncoder();
  let count = 0;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(CSV_BOM + csvLine(HEADER)));
    },
    async pull(controller) {
      try {
        const next = await rows.next();
        if (next.done) {
          log.info({ guildId, userId: user.id, rows: count }, 'history exported');
          controller.close();
          return;
        }
        count += next.value.length;
        const text = next.value
          .map((row) => {
            const v = joinView(locale, row);
            return csvLine([
              v.joinedAt,
              v.memberId,
              v.member,
              v.outcome,
              v.outcomeLabel,
              v.reason,
              v.code,
              v.inviterId,
              v.inviter,
              v.excluded,
              v.xp,
              v.leftAt,
              v.resolved,
              v.fake,
              v.fakeFlags.join(' '),
              v.rewardStatus,
              v.rewardDueAt,
            ]);
          })
          .join('');
        controller.enqueue(encoder.encode(text));
      } catch (error) {
        log.error({ err: error, guildId }, 'history export failed');
        controller.error(error);
      }
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
  const day = new Date().toISOString().slice(0, 10);
  return new Response(stream, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="joins-${guildId}-${day}.csv"`,
      'cache-control': 'private, no-store',
    },
  });
};
