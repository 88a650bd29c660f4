/**
 * 60 days of plausible history for the demo server, so every chart has a shape: a slow rise with
 * busier weekends and one event spike, mostly exact joins through the codes' weights, some vanity,
 * ambiguous, unknown and bot joins, and about one in six members leaving again. Deterministic (a
 * seeded generator), written straight into the database before the gateway starts.
 */
import type { Db } from '../../db/client';
import { applyDecision, recordLeave, type JoinDecision } from '../../db/queries/joins';
import { upsertUsers, type UserProfile } from '../../db/queries/users';
import { prng } from '../bench/lib/stats';
import type { DemoWorld } from './world';

const DAY_MS = 86_400_000;
const FIRST_NAMES = [
  'Anna',
  'Ben',
  'Clara',
  'David',
  'Emma',
  'Finn',
  'Greta',
  'Hannes',
  'Ida',
  'Jonas',
  'Klara',
  'Luca',
  'Mia',
  'Noah',
  'Olivia',
  'Paul',
  'Romy',
  'Samuel',
  'Tilda',
  'Umut',
  'Vera',
  'Yusuf',
];

export type DemoHistory = {
  users: UserProfile[];
  joins: JoinDecision[];
  leaves: { memberId: string; at: Date }[];
};

/** The history as data (pure): members, decided joins and leaves over the `days` before `now`. */
export function demoHistory(world: DemoWorld, now: Date, days = 60, seed = 2026): DemoHistory {
  const random = prng(seed);
  const total = world.codes.reduce((sum, c) => sum + c.weight, 0);
  const pick = () => {
    let r = random() * total;
    for (const c of world.codes) if ((r -= c.weight) < 0) return c;
    return world.codes[0]!;
  };
  const history: DemoHistory = { users: [], joins: [], leaves: [] };
  let n = 0;
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  for (let d = days; d >= 1; d--) {
    const dayStart = today - d * DAY_MS;
    const weekday = new Date(dayStart).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const growth = 1 + (days - d) / days;
    const spike = d === 18 ? 14 : 0;
    const count = Math.round((2 + random() * 3) * growth + (weekend ? 3 : 0) + spike);
    for (let i = 0; i < count; i++) {
      n += 1;
      const memberId = String(900_000_000_000_000_000n + BigInt(n));
      const name = `${FIRST_NAMES[n % FIRST_NAMES.length]} ${String.fromCharCode(65 + (n % 26))}.`;
      const roll = random();
      const bot = roll > 0.98;
      history.users.push({
        id: memberId,
        username: bot ? `helper-bot-${n}` : `${name.split(' ')[0]!.toLowerCase()}${n}`,
        globalName: bot ? null : name,
        avatar: null,
        bot,
      });
      const joinedAt = new Date(dayStart + Math.floor(random() * DAY_MS));
      const base = { guildId: world.guildId, memberId, joinedAt, memberBot: bot };
      if (bot) {
        history.joins.push({
          ...base,
          outcome: 'bot',
          reason: 'bot_account',
          code: null,
          inviterId: null,
          candidates: null,
        });
      } else if (roll < 0.07) {
        history.joins.push({
          ...base,
          outcome: 'vanity',
          reason: 'vanity_url',
          code: world.vanityCode,
          inviterId: null,
          candidates: null,
        });
      } else if (roll < 0.11) {
        const [a, b] = [world.codes[0]!, world.codes[2]!];
        history.joins.push({
          ...base,
          outcome: 'ambiguous',
          reason: 'several_codes',
          code: null,
          inviterId: null,
          candidates: [
            { code: a.code, inviterId: a.inviterId },
            { code: b.code, inviterId: b.inviterId },
          ],
        });
      } else if (roll < 0.13) {
        history.joins.push({
          ...base,
          outcome: 'unknown',
          reason: 'no_use_changed',
          code: null,
          inviterId: null,
          candidates: null,
        });
      } else {
        const code = pick();
        history.joins.push({
          ...base,
          outcome: 'exact',
          reason: 'single_code',
          code: code.code,
          inviterId: code.inviterId,
          candidates: null,
        });
        if (random() < 0.16) {
          const stayed = Math.floor(random() * Math.min(d, 10) * DAY_MS);
          history.leaves.push({ memberId, at: new Date(joinedAt.getTime() + stayed + 60_000) });
        }
      }
    }
  }
  return history;
}

/** Writes the history (with XP as the settings give it); returns the number of joins. */
export async function seedDemoHistory(
  db: Db,
  history: DemoHistory,
  options: { xpPerInvite: number; excludedCodes: ReadonlySet<string> },
): Promise<number> {
  await upsertUsers(db, history.users);
  for (const join of history.joins) {
    await applyDecision(db, join, {
      xpPerInvite: options.xpPerInvite,
      excluded: join.code !== null && options.excludedCodes.has(join.code),
    });
  }
  for (const leave of history.leaves) {
    await recordLeave(db, history.joins[0]!.guildId, leave.memberId, leave.at);
  }
  return history.joins.length;
}
