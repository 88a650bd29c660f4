/**
 * Stores what a guild's attribution handed out, in one transaction: each join's decision and XP, the
 * log line and inviter DM for the outbox, revisions of earlier decisions (XP moved through the
 * once-only ledger, the posted log line edited), the new invite baseline and the open episode's
 * state. A crash before commit loses nothing (joins are still `pending`, revisions are recomputed
 * after the restart); after commit, the outbox sends.
 */
import type { Db } from '../../db/client';
import { excludedAmong } from '../../db/queries/excluded-codes';
import { getGuild } from '../../db/queries/guilds';
import { saveAttributionState, saveBaseline } from '../../db/queries/invites';
import { applyDecision, type AppliedDecision } from '../../db/queries/joins';
import {
  inviterCounts,
  recomputeInviterStats,
  type InviterCounts,
} from '../../db/queries/leaderboard';
import {
  enqueueMessages,
  logRowsOfJoins,
  setOutboxBodies,
  type OutboxMessage,
} from '../../db/queries/outbox';
import { linkOwners } from '../../db/queries/personal-links';
import { applyRevisions, type AppliedRevision } from '../../db/queries/revisions';
import { getGuildSettings, type GuildSettings } from '../../db/queries/settings';
import {
  renderCorrectedLogMessage,
  renderInviterDm,
  renderLogMessage,
  type RenderInput,
} from '../../db/shared/render';
import type { Output } from '../attribution/guild-attribution';
import type { Decision, Revision } from '../attribution/types';

export type WrittenDecision = {
  memberId: string;
  outcome: string;
  applied: boolean;
  messages: number;
};

export type WrittenOutput = { decisions: WrittenDecision[]; revised: Revision[]; messages: number };

type Context = {
  guildId: string;
  settings: GuildSettings;
  guildName: string;
  excluded: ReadonlySet<string>;
};

const candidatesOf = (d: Decision) =>
  d.candidates?.map((c) => ({ code: c.code, inviterId: c.inviterId })) ?? null;

/** Writes one guild's output; `botMembers` marks decisions for bot accounts. */
export async function writeGuildOutput(
  db: Db,
  guildId: string,
  output: Output,
  botMembers: ReadonlySet<string>,
): Promise<WrittenOutput> {
  return db.transaction(async (tx) => {
    const written: WrittenOutput = { decisions: [], revised: [], messages: 0 };
    if (output.decisions.length > 0 || output.revisions.length > 0) {
      const settings = await getGuildSettings(tx, guildId);
      const guild = await getGuild(tx, guildId);
      const codes = [...output.decisions, ...output.revisions.map((r) => r.next)]
        .flatMap((d) => [d.code, ...(d.candidates ?? []).map((c) => c.code)])
        .filter((c): c is string => c !== null);
      // Personal links: Discord names the bot as the inviter; the member who asked for the link is.
      const owners = await linkOwners(tx, guildId, codes);
      const credit = <T extends Decision>(d: T): T =>
        owners.size === 0
          ? d
          : {
              ...d,
              inviterId: (d.code !== null ? owners.get(d.code) : undefined) ?? d.inviterId,
              candidates:
                d.candidates?.map((c) => ({
                  ...c,
                  inviterId: owners.get(c.code) ?? c.inviterId,
                })) ?? d.candidates,
            };
      const ctx: Context = {
        guildId,
        settings,
        guildName: guild?.name ?? guildId,
        excluded: await excludedAmong(tx, guildId, codes),
      };
      // Each inviter is recounted once, after all the decisions: a burst through one link stored
      // together shows, in every line, the inviter's count after the whole burst.
      const recount = new Set<string>();
      const stored: { decision: Decision; applied: AppliedDecision }[] = [];
      for (const decision of output.decisions.map(credit)) {
        const bot = botMembers.has(decision.key);
        stored.push({ decision, applied: await storeDecision(tx, ctx, decision, bot, recount) });
      }
      const decisionCounts = await recounted(tx, guildId, recount);
      const messages: OutboxMessage[] = [];
      for (const { decision, applied } of stored) {
        const queued = applied.applied
          ? messagesOf(ctx, decision, {
              ...applied,
              counts: await decisionCounts(decision.inviterId),
            })
          : [];
        messages.push(...queued);
        written.decisions.push({
          memberId: decision.memberId,
          outcome: decision.outcome,
          applied: applied.applied,
          messages: queued.length,
        });
      }
      // One insert for the lines and DMs of every decision, before the revisions look lines up.
      await enqueueMessages(tx, messages);
      written.messages += messages.length;
      // Revisions likewise: stored together, then each inviter recounted once, then the lines corrected.
      const revisions = output.revisions.map((revision) => ({
        ...revision,
        next: credit(revision.next),
      }));
      const recountRevised = new Set<string>();
      const applied = await storeRevisions(tx, ctx, revisions, recountRevised);
      const revisionCounts = await recounted(tx, guildId, recountRevised);
      const revised: { revision: Revision; applied: AppliedRevision }[] = [];
      for (const [i, revision] of revisions.entries()) {
        if (!applied[i]!.applied) continue;
        const counts = await revisionCounts(revision.next.inviterId);
        revised.push({ revision, applied: { ...applied[i]!, counts } });
        written.revised.push(output.revisions[i]!);
      }
      written.messages += await correctLines(tx, ctx, revised);
    }
    if (output.baseline) await saveBaseline(tx, guildId, output.baseline);
    if (output.episode !== undefined) {
      await saveAttributionState(tx, guildId, output.episode);
    }
    return written;
  });
}

/**
 * Recounts each collected inviter once; returns a reader of the counters after that, which reads
 * each inviter once.
 */
async function recounted(
  tx: Db,
  guildId: string,
  recount: ReadonlySet<string>,
): Promise<(inviterId: string | null) => Promise<InviterCounts | null>> {
  for (const inviterId of recount) await recomputeInviterStats(tx, guildId, inviterId);
  const read = new Map<string, InviterCounts>();
  return async (inviterId) => {
    if (inviterId === null) return null;
    const known = read.get(inviterId);
    if (known) return known;
    const counts = await inviterCounts(tx, guildId, inviterId);
    read.set(inviterId, counts);
    return counts;
  };
}

function renderInput(
  ctx: Context,
  decision: Decision,
  applied: Pick<AppliedDecision, 'counts' | 'xpAwarded' | 'fakeFlags' | 'fake'>,
): RenderInput {
  return {
    settings: ctx.settings,
    guildName: ctx.guildName,
    memberId: decision.memberId,
    outcome: decision.outcome,
    reason: decision.reason,
    code: decision.code,
    inviterId: decision.inviterId,
    candidates: decision.candidates,
    excluded: decision.code !== null && ctx.excluded.has(decision.code),
    counts: applied.counts,
    xpAwarded: applied.xpAwarded,
    fakeFlags: applied.fakeFlags,
    fake: applied.fake,
  };
}

/** Stores a decision and its XP; the inviters whose counters changed go to `recount`. */
function storeDecision(
  tx: Db,
  ctx: Context,
  decision: Decision,
  bot: boolean,
  recount: Set<string>,
): Promise<AppliedDecision> {
  const excluded = decision.code !== null && ctx.excluded.has(decision.code);
  return applyDecision(
    tx,
    {
      guildId: ctx.guildId,
      memberId: decision.memberId,
      joinedAt: new Date(decision.joinedAt),
      memberBot: bot,
      outcome: decision.outcome,
      reason: decision.reason,
      code: decision.code,
      inviterId: decision.inviterId,
      candidates: candidatesOf(decision),
    },
    {
      xpPerInvite: ctx.settings.xpPerInvite,
      excluded,
      fairPlay: ctx.settings,
      recountLater: recount,
    },
  );
}

/** The log line and the inviter's DM of a decision just stored. */
function messagesOf(ctx: Context, decision: Decision, applied: AppliedDecision): OutboxMessage[] {
  const messages: OutboxMessage[] = [];
  const render = renderInput(ctx, decision, applied);
  const log = renderLogMessage(render);
  if (log && ctx.settings.logChannelId) {
    messages.push({
      guildId: ctx.guildId,
      joinId: applied.joinId,
      kind: 'log',
      targetId: ctx.settings.logChannelId,
      body: log,
    });
  }
  const dm = renderInviterDm(render);
  if (dm && decision.inviterId) {
    messages.push({
      guildId: ctx.guildId,
      joinId: applied.joinId,
      kind: 'dm',
      targetId: decision.inviterId,
      body: dm,
    });
  }
  return messages;
}

/**
 * Revisions: each join takes its new decision (XP follows); the inviters whose counters changed go
 * to `recount`. One not applied when nothing changed (a replay, or an admin's resolution stands).
 */
function storeRevisions(
  tx: Db,
  ctx: Context,
  revisions: readonly Revision[],
  recount: Set<string>,
): Promise<AppliedRevision[]> {
  return applyRevisions(
    tx,
    ctx.guildId,
    revisions.map(({ next, cause }) => ({
      memberId: next.memberId,
      joinedAt: new Date(next.joinedAt),
      next: {
        outcome: next.outcome,
        reason: next.reason,
        code: next.code,
        inviterId: next.inviterId,
        candidates: candidatesOf(next),
      },
      cause,
      excluded: next.code !== null && ctx.excluded.has(next.code),
    })),
    { xpPerInvite: ctx.settings.xpPerInvite, fairPlay: ctx.settings, recountLater: recount },
  );
}

/**
 * Each revised join's log line says what it says now, marked as corrected. A line not sent yet goes
 * out corrected; a sent one is edited (an `edit` row the outbox turns into a PATCH of that
 * message). DMs already sent are not recalled. Returns the messages queued.
 */
async function correctLines(
  tx: Db,
  ctx: Context,
  revised: readonly { revision: Revision; applied: AppliedRevision }[],
): Promise<number> {
  if (revised.length === 0) return 0;
  const posted = await logRowsOfJoins(
    tx,
    revised.map((r) => r.applied.joinId),
  );
  const bodies = new Map<number, Record<string, unknown>>();
  const edits: OutboxMessage[] = [];
  for (const { revision, applied } of revised) {
    const row = posted.get(applied.joinId);
    if (!row || row.status === 'failed') continue;
    const line = renderCorrectedLogMessage(
      renderInput(ctx, revision.next, applied),
      revision.cause,
    );
    if (!line) continue;
    bodies.set(row.id, line);
    if (row.status === 'pending' && row.attempts === 0) continue;
    edits.push({
      guildId: ctx.guildId,
      joinId: applied.joinId,
      kind: 'edit',
      targetId: row.targetId,
      body: {},
    });
  }
  await setOutboxBodies(tx, bodies);
  await enqueueMessages(tx, edits);
  return edits.length;
}
