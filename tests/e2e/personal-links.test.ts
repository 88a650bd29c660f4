/**
 * Personal invite links end to end: `/invites link` without a channel, then with one (created once,
 * reused), a join through it credits the owner with XP once (also when the member rejoins through
 * it), `/invites uebersicht` lists the link and the next reward tier without pinging the role, and
 * a channel where the bot may not create invites gets a clear answer.
 */
import { and, eq } from 'drizzle-orm';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { setRewardTiers } from '../../db/queries/reward-roles';
import { updateGuildSettings } from '../../db/queries/settings';
import { memberXp, personalLinks } from '../../db/schema';
import { DEFAULT_BOT_PERMISSIONS } from '../sim/permissions';
import { decidedJoin, eventually, primed, startStack, type Stack } from './stack';

describe('personal invite links end to end', () => {
  let stack: Stack;
  afterEach(async () => stack?.stop());

  async function setup() {
    stack = await startStack();
    const { sim } = stack;
    const guild = sim.createGuild({
      name: 'Links',
      botPermissions: DEFAULT_BOT_PERMISSIONS | P.ManageRoles,
    });
    const welcome = sim.createChannel(guild.id, { name: 'welcome' });
    const alice = sim.createUser({ username: 'alice' });
    sim.addMember(guild.id, alice.id);
    await primed(stack, guild.id);
    return { sim, guild, welcome, alice };
  }

  async function command(userId: string, guildId: string, name: string) {
    const interaction = await stack.sim.invokeCommand({
      userId,
      guildId,
      name: 'invites',
      options: [{ name, type: 1, options: [] }],
      locale: 'de',
    });
    return (await interaction.waitForResponse()).data as {
      content?: string;
      embeds?: { description: string }[];
      allowed_mentions?: { parse?: string[]; roles?: string[] };
    };
  }

  const xpOf = async (guildId: string, userId: string) =>
    (
      await stack.db.db
        .select()
        .from(memberXp)
        .where(and(eq(memberXp.guildId, guildId), eq(memberXp.userId, userId)))
    )[0]?.xp ?? 0;

  it('creates one link, reuses it, credits its owner once, shows it and the next tier', async () => {
    const { sim, guild, welcome, alice } = await setup();
    expect((await command(alice.id, guild.id, 'link')).content).toContain('nicht eingerichtet');
    await updateGuildSettings(
      stack.db.db,
      guild.id,
      { personalLinkChannelId: welcome.id, personalLinkMaxUses: 10 },
      null,
    );
    const first = await command(alice.id, guild.id, 'link');
    const code = /discord\.gg\/(\w+)/.exec(first.content ?? '')?.[1];
    expect(code).toBeDefined();
    expect(first.content).toContain('höchstens 10-mal');
    expect(first.allowed_mentions?.parse).toEqual([]);
    const again = await command(alice.id, guild.id, 'link');
    expect(again.content).toContain(`discord.gg/${code}`);
    expect(again.content).toContain('weiterhin gültig');
    const created = sim.requests.filter((r) => r.routeKey === 'POST /channels/:id/invites');
    expect(created).toHaveLength(1);
    expect(created[0]!.body).toMatchObject({ max_age: 0, max_uses: 10, unique: true });
    expect(sim.getInvite(code!)?.inviterId).not.toBe(alice.id); // Discord names the bot.
    const [link] = await stack.db.db
      .select()
      .from(personalLinks)
      .where(eq(personalLinks.code, code!));
    expect(link).toMatchObject({ guildId: guild.id, ownerId: alice.id, channelId: welcome.id });

    // A join through the link is Alice's: exact, her XP, once per code and member.
    const bob = sim.createUser({ username: 'bob' });
    await sim.join(guild.id, bob.id, { code: code! });
    expect(await decidedJoin(stack, guild.id, bob.id)).toMatchObject({
      outcome: 'exact',
      code,
      inviterId: alice.id,
      xpAwarded: 50,
    });
    expect(await xpOf(guild.id, alice.id)).toBe(50);
    sim.leave(guild.id, bob.id);
    await sim.join(guild.id, bob.id, { code: code! });
    expect(await decidedJoin(stack, guild.id, bob.id, 2)).toMatchObject({
      inviterId: alice.id,
      xpAwarded: 0,
    });
    expect(await xpOf(guild.id, alice.id)).toBe(50);

    // uebersicht: counts, the next tier as a role mention that pings nobody, the personal link.
    const role = sim.createRole(guild.id, { name: 'Recruiter', permissions: 0n });
    await setRewardTiers(stack.db.db, guild.id, [{ invites: 3, roleId: role.id }]);
    const overview = await command(alice.id, guild.id, 'uebersicht');
    const lines = overview.embeds![0]!.description.split('\n');
    expect(lines[0]).toBe('**1** Einladung insgesamt · 1 regulär · 1 verlassen · 0 Fake · 0 Bonus');
    expect(lines[1]).toBe(`Noch **2** bis <@&${role.id}>.`);
    expect(overview.allowed_mentions?.parse).toEqual([]);
    expect(overview.allowed_mentions?.roles ?? []).toEqual([]);
    const linkLine = lines.find((l) => l.includes(`\`${code}\``));
    expect(linkLine).toContain('dein persönlicher Link');
    expect(linkLine).toContain('2 von 10');
  });

  it('says so when the bot may not create invites in the chosen channel, and when it is gone', async () => {
    const { sim, guild, welcome, alice } = await setup();
    sim.setChannelOverwrites(welcome.id, [
      { id: guild.everyoneRoleId, type: 0, allow: 0n, deny: P.CreateInstantInvite },
    ]);
    await updateGuildSettings(stack.db.db, guild.id, { personalLinkChannelId: welcome.id }, null);
    const refused = await command(alice.id, guild.id, 'link');
    expect(refused.content).toBe(
      `Ich darf in <#${welcome.id}> keine Einladungen erstellen (es fehlt die Berechtigung „Einladung erstellen“). Bitte sag einem Admin Bescheid.`,
    );
    expect(await stack.db.db.select().from(personalLinks)).toEqual([]);
    sim.deleteChannel(welcome.id);
    expect((await command(alice.id, guild.id, 'link')).content).toContain('gibt es nicht mehr');
    await eventually(async () => (await stack.db.db.select().from(personalLinks)).length === 0);
  });
});
