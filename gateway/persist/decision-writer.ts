/**
 * Stores what a guild's attribution decided, in one transaction: each join's decision and XP, the
 * log line and inviter DM for the outbox, and the new invite baseline. A crash before commit loses
 * nothing (the joins are still `pending` and re-enter attribution); after commit, the outbox sends.
 */
import type { Db } from '../../db/client';
import { excludedAmong } from '../../db/queries/excluded-codes';
import { getGuild } from '../../db/queries/guilds';
import { saveBaseline } from '../../db/queries/invites';
import { applyDecision } from '../../db/queries/joins';
import { enqueueMessage } from '../../db/queries/outbox';
import { getGuildSettings } from '../../db/queries/settings';
import type { Output } from '../attribution/guild-attribution';
import { renderInviterDm, renderLogMessage } from '../../db/shared/render';

export type WrittenDecision = {
  memberId: string;
  outcome: string;
  applied: boolean;
  messages: number;
};

/** Writes one guild's output; `botMembers` marks decisions for bot accounts. */
export async function writeGuildOutput(
  db: Db,
  guildId: string,
  output: Output,
  botMembers: ReadonlySet<string>,
): Promise<WrittenDecision[]> {
  return db.transaction(async (tx) => {
    const written: WrittenDecision[] = [];
    if (output.decisions.length > 0) {
      const settings = await getGuildSettings(tx, guildId);
      const guild = await getGuild(tx, guildId);
      const codes = output.decisions.map((d) => d.code).filter((c): c is string => c !== null);
      const excluded = await excludedAmong(tx, guildId, codes);
      for (const decision of output.decisions) {
        const isExcluded = decision.code !== null && excluded.has(decision.code);
        const applied = await applyDecision(
          tx,
          {
            guildId,
            memberId: decision.memberId,
            joinedAt: new Date(decision.joinedAt),
            memberBot: botMembers.has(decision.key),
            outcome: decision.outcome,
            reason: decision.reason,
            code: decision.code,
            inviterId: decision.inviterId,
            candidates:
              decision.candidates?.map((c) => ({ code: c.code, inviterId: c.inviterId })) ?? null,
          },
          { xpPerInvite: settings.xpPerInvite, excluded: isExcluded },
        );
        let messages = 0;
        if (applied.applied) {
          const render = {
            settings,
            guildName: guild?.name ?? guildId,
            memberId: decision.memberId,
            outcome: decision.outcome,
            reason: decision.reason,
            code: decision.code,
            inviterId: decision.inviterId,
            candidates: decision.candidates,
            excluded: isExcluded,
            inviterInvites: applied.inviterInvites,
            xpAwarded: applied.xpAwarded,
          };
          const log = renderLogMessage(render);
          if (log && settings.logChannelId) {
            await enqueueMessage(tx, {
              guildId,
              joinId: applied.joinId,
              kind: 'log',
              targetId: settings.logChannelId,
              body: log,
            });
            messages += 1;
          }
          const dm = renderInviterDm(render);
          if (dm && decision.inviterId) {
            await enqueueMessage(tx, {
              guildId,
              joinId: applied.joinId,
              kind: 'dm',
              targetId: decision.inviterId,
              body: dm,
            });
            messages += 1;
          }
        }
        written.push({
          memberId: decision.memberId,
          outcome: decision.outcome,
          applied: applied.applied,
          messages,
        });
      }
    }
    if (output.baseline) {
      await saveBaseline(tx, guildId, {
        invites: output.baseline.invites,
        vanity: output.baseline.vanity,
        takenAt: output.baseline.takenAt,
      });
    }
    return written;
  });
}
