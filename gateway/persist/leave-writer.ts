/**
 * A member left: in one transaction the open join is closed (a waiting reward forfeited, XP taken
 * back when the guild says so) and, when the guild wants leave messages, the line for the log
 * channel goes to the outbox. A replayed GUILD_MEMBER_REMOVE finds no open join: no second line.
 */
import type { Db } from '../../db/client';
import { getGuild } from '../../db/queries/guilds';
import { recordLeave, type RecordedLeave } from '../../db/queries/joins';
import { inviterCounts } from '../../db/queries/leaderboard';
import { enqueueMessage } from '../../db/queries/outbox';
import { getGuildSettings } from '../../db/queries/settings';
import { renderLeaveMessage } from '../../db/shared/render';

export type WrittenLeave = { leave: RecordedLeave | null; messages: number };

export async function writeLeave(
  db: Db,
  guildId: string,
  memberId: string,
  at: Date,
): Promise<WrittenLeave> {
  return db.transaction(async (tx) => {
    const settings = await getGuildSettings(tx, guildId);
    const leave = await recordLeave(tx, guildId, memberId, at, {
      xpTakeBackDays: settings.xpTakeBackDays,
    });
    if (!leave || leave.memberBot || !settings.leaveMessage || !settings.logChannelId) {
      return { leave, messages: 0 };
    }
    const guild = await getGuild(tx, guildId);
    const line = renderLeaveMessage({
      settings,
      guildName: guild?.name ?? guildId,
      memberId,
      inviterId: leave.inviterId,
      counts: leave.inviterId ? await inviterCounts(tx, guildId, leave.inviterId) : null,
    });
    if (!line) return { leave, messages: 0 };
    await enqueueMessage(tx, {
      guildId,
      joinId: null,
      kind: 'log',
      targetId: settings.logChannelId,
      body: line,
    });
    return { leave, messages: 1 };
  });
}
