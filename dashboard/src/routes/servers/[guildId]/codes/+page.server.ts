/** Excluded codes: the guild's current invites (stored snapshot) with a toggle each, plus manual entry. */
import { fail } from '@sveltejs/kit';
import { recordAudit } from '$db/queries/audit';
import {
  excludeCode,
  includeCode,
  INVITE_CODE_PATTERN,
  listExcludedCodes,
} from '$db/queries/excluded-codes';
import { listStoredInvites } from '$db/queries/invites';
import { linkOwners } from '$db/queries/personal-links';
import { displayName, getUsers } from '$db/queries/users';
import { userAvatarUrl } from '$lib/avatar';
import { getConfig } from '$lib/server/config';
import { getBotApi } from '$lib/server/discord/bot-api';
import { managedGuild, requireBotPresent } from '$lib/server/guilds/guard';
import { log } from '$lib/server/log';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  const guildId = managedGuild(locals).id;
  const db = locals.db;
  const [invites, excluded] = await Promise.all([
    listStoredInvites(db, guildId),
    listExcludedCodes(db, guildId),
  ]);
  // Personal links (/invites link): the bot is Discord's inviter, the member the owner credited.
  const owners = await linkOwners(
    db,
    guildId,
    invites.map((i) => i.code),
  );
  const names = await getUsers(db, [
    ...invites.map((i) => i.inviterId).filter((id): id is string => id !== null),
    ...owners.values(),
  ]);
  let channelNames = new Map<string, string>();
  try {
    const channels = await getBotApi(getConfig()).channels(guildId);
    channelNames = new Map(channels.map((c) => [c.id, c.name]));
  } catch {
    // Without Discord the channel ids are shown instead of names.
  }
  const excludedSet = new Set(excluded.map((e) => e.code));
  const current = new Set(invites.map((i) => i.code));
  return {
    invites: invites.map((i) => ({
      code: i.code,
      uses: i.uses,
      maxUses: i.maxUses,
      inviterId: i.inviterId,
      inviter: i.inviterId ? displayName(names.get(i.inviterId), i.inviterId) : null,
      inviterAvatar: i.inviterId
        ? userAvatarUrl(i.inviterId, names.get(i.inviterId)?.avatar)
        : null,
      expiresAt: i.expiresAt?.toISOString() ?? null,
      channel: i.channelId ? (channelNames.get(i.channelId) ?? i.channelId) : null,
      ownerId: owners.get(i.code) ?? null,
      owner: owners.has(i.code)
        ? displayName(names.get(owners.get(i.code)!), owners.get(i.code)!)
        : null,
      ownerAvatar: owners.has(i.code)
        ? userAvatarUrl(owners.get(i.code)!, names.get(owners.get(i.code)!)?.avatar)
        : null,
      excluded: excludedSet.has(i.code),
    })),
    /** Excluded codes that are not (or no longer) among the current invites. */
    otherExcluded: excluded.filter((e) => !current.has(e.code)).map((e) => e.code),
  };
};

/** Excludes or includes a code of the verified guild, with its audit entry. */
async function setExcluded(locals: App.Locals, code: string, exclude: boolean) {
  const { id: guildId, user } = managedGuild(locals);
  const actorId = user.id;
  const db = locals.db;
  await requireBotPresent(db, locals.locale, guildId);
  await db.transaction(async (tx) => {
    if (exclude) await excludeCode(tx, guildId, code, actorId);
    else await includeCode(tx, guildId, code);
    await recordAudit(tx, {
      guildId,
      actorId,
      action: exclude ? 'code.exclude' : 'code.include',
      details: { code },
    });
  });
  log.info({ guildId, userId: actorId, code, exclude }, 'excluded codes changed');
}

export const actions: Actions = {
  toggle: async ({ locals, request }) => {
    const form = await request.formData();
    const code = String(form.get('code') ?? '');
    const exclude = form.get('exclude') === '1';
    if (!INVITE_CODE_PATTERN.test(code)) {
      return fail(400, { toggleError: 'codes.error.invalid' as const, code });
    }
    await setExcluded(locals, code, exclude);
    return { done: exclude ? ('codes.excluded' as const) : ('codes.included' as const), code };
  },
  add: async ({ locals, request }) => {
    const form = await request.formData();
    const raw = String(form.get('code') ?? '').trim();
    // Accept pasted links: discord.gg/abc, https://discord.com/invite/abc.
    const code = raw.replace(
      /^(https?:\/\/)?(www\.)?(discord\.gg|discord(app)?\.com\/invite)\//i,
      '',
    );
    if (!INVITE_CODE_PATTERN.test(code)) {
      return fail(400, { addError: 'codes.error.invalid' as const, value: raw });
    }
    await setExcluded(locals, code, true);
    return { done: 'codes.excluded' as const, code };
  },
};
