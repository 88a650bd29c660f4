/**
 * The world the dashboard tests log into: users, guilds, channels, roles and invites in the
 * simulator, and the rows the gateway would have written (guild, invite snapshot, joins, names).
 */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import type { Db } from '../../db/client';
import { upsertGuild } from '../../db/queries/guilds';
import { saveBaseline } from '../../db/queries/invites';
import { applyDecision, recordLeave } from '../../db/queries/joins';
import { upsertUsers } from '../../db/queries/users';
import type { JoinOutcome } from '../../db/schema';
import { DEFAULT_BOT_PERMISSIONS, type Simulator } from '../sim/index';

export const FORMULA_NAME = '=HYPERLINK("http://evil.example","click")';
/** Avatar hashes in Discord's shape: the admin has one, and so does the member "Anna Avatar". */
export const ADMIN_AVATAR = 'a1'.repeat(16);
export const MEMBER_AVATAR = 'b2'.repeat(16);

export type World = Awaited<ReturnType<typeof buildWorld>>;

export async function buildWorld(sim: Simulator, db: Db) {
  const admin = sim.createUser({ username: 'ada', globalName: 'Ada Admin', avatar: ADMIN_AVATAR });
  const mod = sim.createUser({ username: 'mo', globalName: 'Mo Moderator' });
  const member = sim.createUser({ username: 'max', globalName: 'Max Member' });
  const stranger = sim.createUser({ username: 'sam', globalName: 'Sam Stranger' });

  const guild = sim.createGuild({ name: 'Testserver', ownerId: admin.id });
  const logChannel = sim.createChannel(guild.id, { name: 'invite-log' });
  const news = sim.createChannel(guild.id, { name: 'news', type: 5 });
  const voice = sim.createChannel(guild.id, { name: 'Voice', type: 2 });
  const modRole = sim.createRole(guild.id, { name: 'Mods', permissions: P.ManageGuild });
  // A reward role the bot can assign: Recruiter (1) below the bot's role (2), Mods (3) above it.
  const recruiter = sim.createRole(guild.id, { name: 'Recruiter', permissions: 0n });
  sim.setRolePosition(guild.id, recruiter.id, 1);
  sim.setRolePosition(guild.id, guild.botRoleId, 2);
  sim.setRolePosition(guild.id, modRole.id, 3);
  sim.addMember(guild.id, mod.id, { roles: [modRole.id] });
  sim.addMember(guild.id, member.id);

  // A guild the admin is only a plain member of, with a channel whose id can be forged.
  const foreign = sim.createGuild({ name: 'Fremder Server', ownerId: stranger.id });
  const foreignChannel = sim.createChannel(foreign.id, { name: 'secret' });
  sim.addMember(foreign.id, admin.id);
  // A guild the admin owns where the bot is missing.
  const botless = sim.createGuild({ name: 'Ohne Bot', ownerId: admin.id, withBot: false });

  const adminInvite = sim.createInvite(guild.id, {
    inviterId: admin.id,
    channelId: guild.defaultChannelId,
  });
  const modInvite = sim.createInvite(guild.id, {
    inviterId: mod.id,
    channelId: news.id,
    maxUses: 50,
  });

  await upsertGuild(db, {
    id: guild.id,
    name: guild.name,
    icon: null,
    ownerId: admin.id,
    features: [],
    botPermissions: (DEFAULT_BOT_PERMISSIONS | DEFAULT_EVERYONE).toString(),
  });
  await upsertGuild(db, {
    id: foreign.id,
    name: foreign.name,
    icon: null,
    ownerId: stranger.id,
    features: [],
    botPermissions: DEFAULT_BOT_PERMISSIONS.toString(),
  });
  const now = Date.now();
  await saveBaseline(db, guild.id, {
    invites: [adminInvite, modInvite].map((i) => ({
      code: i.code,
      uses: 7,
      maxUses: i.maxUses,
      expiresAt: null,
      inviterId: i.inviterId,
      channelId: i.channelId,
      temporary: false,
      deletedAt: null,
    })),
    vanity: null,
    takenAt: now,
  });

  const people = [admin, mod, member, stranger].map((u) => ({
    id: u.id,
    username: u.username,
    globalName: u.globalName,
    avatar: u.avatar ?? null,
    bot: false,
  }));
  let seq = 0;
  const joiners: { id: string; name: string }[] = [];
  const joins: {
    memberId: string;
    outcome: JoinOutcome;
    code: string | null;
    inviterId: string | null;
  }[] = [];
  async function join(
    outcome: Exclude<JoinOutcome, 'pending'>,
    code: string | null,
    inviterId: string | null,
    daysAgo: number,
    name = `Gast ${++seq}`,
  ) {
    const id = String(800000000000000000n + BigInt(joiners.length + 1));
    joiners.push({ id, name });
    people.push({
      id,
      username: name.toLowerCase().replace(/\W+/g, ''),
      globalName: name,
      avatar: name === 'Anna Avatar' ? MEMBER_AVATAR : null,
      bot: false,
    });
    await upsertUsers(db, people.slice(-1));
    await applyDecision(
      db,
      {
        guildId: guild.id,
        memberId: id,
        joinedAt: new Date(now - daysAgo * 86_400_000 - joiners.length * 1000),
        memberBot: false,
        outcome,
        reason:
          outcome === 'exact'
            ? 'single_code'
            : outcome === 'ambiguous'
              ? 'several_codes'
              : 'no_use_changed',
        code,
        inviterId,
        candidates:
          outcome === 'ambiguous'
            ? [
                { code: adminInvite.code, inviterId: admin.id },
                { code: modInvite.code, inviterId: mod.id },
              ]
            : null,
      },
      { xpPerInvite: 50, excluded: false },
    );
    joins.push({ memberId: id, outcome, code, inviterId });
    return id;
  }
  await upsertUsers(db, people);
  for (let d = 0; d < 6; d++) await join('exact', adminInvite.code, admin.id, d);
  await join('exact', modInvite.code, mod.id, 1);
  await join('exact', modInvite.code, mod.id, 2);
  await join('exact', adminInvite.code, admin.id, 0, FORMULA_NAME);
  const annaId = await join('exact', modInvite.code, mod.id, 40, 'Anna Avatar');
  const ambiguousId = await join('ambiguous', null, null, 0, 'Unklar Ulla');
  await join('unknown', null, null, 3, 'Niemand Nina');
  const leaver = await join('exact', modInvite.code, mod.id, 4, 'Weg Wanda');
  await recordLeave(db, guild.id, leaver, new Date(now - 3_600_000));

  return {
    admin,
    mod,
    member,
    stranger,
    guild,
    logChannel,
    news,
    voice,
    modRole,
    recruiter,
    foreign,
    foreignChannel,
    botless,
    adminInvite,
    modInvite,
    joins,
    ambiguousId,
    annaId,
  };
}

const DEFAULT_EVERYONE = P.ViewChannel | P.SendMessages;
