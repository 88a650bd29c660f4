/**
 * One join: an admin resolves an undecided join (assigns its code, and so the inviter, or only the
 * inviter), or clears the fake mark of a join counted as fake.
 */
import { error, fail, redirect } from '@sveltejs/kit';
import { recordAudit } from '$db/queries/audit';
import { excludedAmong } from '$db/queries/excluded-codes';
import { clearFake, ClearFakeError } from '$db/queries/fair-play';
import { getJoin } from '$db/queries/history';
import { listStoredInvites } from '$db/queries/invites';
import { isMemberOrInviter, resolveJoin, ResolveError } from '$db/queries/joins';
import { getGuildSettings } from '$db/queries/settings';
import { displayName, getUsers } from '$db/queries/users';
import type { Db } from '$db/client';
import { forgetJoinsPerDay } from '$lib/server/history/chart-cache';
import { managedGuild } from '$lib/server/guilds/guard';
import { checkResolve, type ResolveErrors } from '$lib/server/history/resolve-form';
import { resolutionOf } from '$lib/server/history/resolution';
import { revisionTrail } from '$lib/server/history/revisions';
import { joinView } from '$lib/server/history/view';
import { log } from '$lib/server/log';
import { translate } from '$lib/i18n';
import type { Actions, PageServerLoad } from './$types';

/** Codes to offer: the join's candidates first, then the guild's current invites, with their inviters. */
async function codeOptions(
  db: Db,
  guildId: string,
  candidates: { code: string; inviterId: string | null }[],
) {
  const stored = await listStoredInvites(db, guildId);
  const options = new Map<string, string | null>();
  for (const c of candidates) options.set(c.code, c.inviterId);
  for (const i of stored) if (!options.has(i.code)) options.set(i.code, i.inviterId);
  return [...options.entries()].map(([code, inviterId]) => ({ code, inviterId }));
}

async function loadJoin(db: Db, guildId: string, raw: string, locale: 'de' | 'en') {
  const join = /^\d{1,15}$/.test(raw) ? await getJoin(db, guildId, Number(raw)) : null;
  if (!join) error(404, { message: translate(locale, 'error.404.text') });
  return join;
}

export const load: PageServerLoad = async ({ locals, params }) => {
  const guildId = managedGuild(locals).id;
  const db = locals.db;
  const join = await loadJoin(db, guildId, params.joinId, locals.locale);
  const options = await codeOptions(db, guildId, join.candidates ?? []);
  const names = await getUsers(
    db,
    options.map((o) => o.inviterId).filter((id): id is string => id !== null),
  );
  return {
    join: joinView(locals.locale, join, { isolateNames: true }),
    resolution: await resolutionOf(db, join),
    revisions: await revisionTrail(db, join.id, locals.locale),
    candidates: (join.candidates ?? []).map((c) => c.code),
    options: options.map((o) => ({
      code: o.code,
      inviterId: o.inviterId,
      inviter: o.inviterId ? displayName(names.get(o.inviterId), o.inviterId) : null,
    })),
  };
};

export const actions: Actions = {
  resolve: async ({ locals, params, request }) => {
    const { id: guildId, user } = managedGuild(locals);
    const db = locals.db;
    const join = await loadJoin(db, guildId, params.joinId, locals.locale);
    const form = await request.formData();
    const code = String(form.get('code') ?? '').trim() || null;
    const typedInviter = String(form.get('inviterId') ?? '').trim() || null;
    const values = { code: code ?? '', inviterId: typedInviter ?? '' };
    const checked = await checkResolve({
      join,
      code,
      inviterId: typedInviter,
      codeOptions: () => codeOptions(db, guildId, join.candidates ?? []),
      knownInGuild: (userId) => isMemberOrInviter(db, guildId, userId),
    });
    if (!checked.ok) return fail(400, { values, errors: checked.errors });
    const { inviterId } = checked;
    const settings = await getGuildSettings(db, guildId);
    const excluded = code !== null && (await excludedAmong(db, guildId, [code])).has(code);
    let xpAwarded = 0;
    try {
      await db.transaction(async (tx) => {
        ({ xpAwarded } = await resolveJoin(tx, {
          guildId,
          joinId: join.id,
          code,
          inviterId,
          actorId: user.id,
          xpPerInvite: settings.xpPerInvite,
          excluded,
        }));
        await recordAudit(tx, {
          guildId,
          actorId: user.id,
          action: 'join.resolve',
          details: {
            joinId: join.id,
            memberId: join.memberId,
            from: { outcome: join.outcome, code: join.code, inviterId: join.inviterId },
            code,
            inviterId,
            xpAwarded,
          },
        });
      });
    } catch (err) {
      if (err instanceof ResolveError) {
        const errors: ResolveErrors = { form: 'resolve.error.notResolvable' };
        return fail(400, { values, errors });
      }
      throw err;
    }
    forgetJoinsPerDay(guildId);
    log.info({ guildId, userId: user.id, joinId: join.id, xpAwarded }, 'join resolved by admin');
    redirect(303, `/servers/${guildId}/history?resolved=${join.id}`);
  },
  clearFake: async ({ locals, params }) => {
    const { id: guildId, user } = managedGuild(locals);
    const db = locals.db;
    const join = await loadJoin(db, guildId, params.joinId, locals.locale);
    const settings = await getGuildSettings(db, guildId);
    let result;
    try {
      result = await db.transaction(async (tx) => {
        const cleared = await clearFake(tx, {
          guildId,
          joinId: join.id,
          settings,
          now: new Date(),
        });
        await recordAudit(tx, {
          guildId,
          actorId: user.id,
          action: 'join.clear_fake',
          details: {
            joinId: join.id,
            memberId: join.memberId,
            flags: join.fakeFlags,
            xpAwarded: cleared.xpAwarded,
            rewardStatus: cleared.rewardStatus,
          },
        });
        return cleared;
      });
    } catch (err) {
      if (err instanceof ClearFakeError) {
        return fail(400, { fakeError: 'fake.error.notFake' as const });
      }
      throw err;
    }
    log.info(
      { guildId, userId: user.id, joinId: join.id, ...result },
      'fake mark cleared by admin',
    );
    return { fakeCleared: true, xpAwarded: result.xpAwarded };
  },
};
