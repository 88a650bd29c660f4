/**
 * Competition commands on the simulator with the real gateway: /invites bonus (admins only, checked
 * by the gateway from the interaction's permissions even though Discord would show the command to
 * everyone), and /invites rangliste zeitraum:.
 */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/queries/audit';
import { applyDecision } from '../../db/queries/joins';
import { inviterCounts } from '../../db/queries/leaderboard';
import { primed, startStack, type Stack } from './stack';

const sub = (name: string, options: unknown[] = []) => [{ name, type: 1, options }];
const bonusOptions = (memberId: string, amount: unknown, reason: unknown) => [
  { name: 'mitglied', type: 6, value: memberId },
  { name: 'anzahl', type: 4, value: amount },
  { name: 'grund', type: 3, value: reason },
];

describe('/invites bonus', () => {
  let stack: Stack;
  afterEach(async () => stack?.stop());

  async function setup() {
    stack = await startStack();
    const { sim } = stack;
    const owner = sim.createUser({ username: 'owner', locale: 'de' });
    const guild = sim.createGuild({ name: 'Bonus', locale: 'de', ownerId: owner.id });
    const modRole = sim.createRole(guild.id, { name: 'Mods', permissions: P.ManageGuild });
    const [mod, alice, bob] = ['mod', 'alice', 'bob'].map((username) => {
      const user = sim.createUser({ username, locale: 'de' });
      sim.addMember(guild.id, user.id, username === 'mod' ? { roles: [modRole.id] } : {});
      return user;
    }) as unknown as [{ id: string }, { id: string }, { id: string }];
    await primed(stack, guild.id);
    const bonus = async (userId: string, memberId: string, amount: unknown, reason: unknown) => {
      const interaction = await sim.invokeCommand({
        userId,
        guildId: guild.id,
        name: 'invites',
        options: sub('bonus', bonusOptions(memberId, amount, reason)),
      });
      const response = await interaction.waitForResponse();
      return response.data as {
        content: string;
        flags?: number;
        allowed_mentions: { parse: string[] };
      };
    };
    return { sim, guild, owner, mod, alice, bob, bonus };
  }

  it('lets the owner and a Manage Server member give and take invites, audited, pinging nobody', async () => {
    const { guild, owner, mod, alice, bonus } = await setup();
    const given = await bonus(owner.id, alice.id, 5, 'Gewinnspiel @everyone');
    expect(given.content).toBe(
      `<@${alice.id}> hat 5 Bonus-Einladungen bekommen. Grund: Gewinnspiel @everyone\nJetzt insgesamt: **5** (5 Bonus).`,
    );
    expect(given.allowed_mentions).toEqual({ parse: [] });
    expect(given.flags! & 64).toBe(64);
    const taken = await bonus(mod.id, alice.id, -2, 'Doppelt gezählt');
    expect(taken.content).toMatch(/wurden 2 Einladungen abgezogen.*\n.*\*\*3\*\* \(3 Bonus\)/);
    const db = stack.db.db;
    expect(await inviterCounts(db, guild.id, alice.id)).toMatchObject({ total: 3, bonus: 3 });
    const audit = await listAudit(db, guild.id, { action: 'bonus.add' });
    expect(audit.map((a) => [a.actorId, a.details.amount, a.details.via])).toEqual([
      [mod.id, -2, 'command'],
      [owner.id, 5, 'command'],
    ]);
  });

  it('refuses a member without Manage Server ephemerally and stores nothing', async () => {
    const { guild, alice, bob, bonus } = await setup();
    const refused = await bonus(bob.id, alice.id, 5, 'Ich will auch');
    expect(refused.content).toMatch(/nur Mitglieder mit der Berechtigung „Server verwalten“/);
    expect(refused.flags! & 64).toBe(64);
    // Even for themselves.
    await bonus(bob.id, bob.id, 100, 'selbst');
    const db = stack.db.db;
    expect(await inviterCounts(db, guild.id, alice.id)).toMatchObject({ total: 0, bonus: 0 });
    expect(await inviterCounts(db, guild.id, bob.id)).toMatchObject({ total: 0, bonus: 0 });
    expect(await listAudit(db, guild.id, { action: 'bonus.add' })).toEqual([]);
  });

  it('refuses amounts and reasons out of bounds that Discord would have stopped', async () => {
    const { guild, owner, alice, bonus } = await setup();
    expect((await bonus(owner.id, alice.id, 0, 'x')).content).toMatch(/zwischen -1000 und 1000/);
    expect((await bonus(owner.id, alice.id, 5000, 'x')).content).toMatch(/zwischen -1000/);
    expect((await bonus(owner.id, alice.id, 1.5, 'x')).content).toMatch(/ganze Zahl/);
    expect((await bonus(owner.id, alice.id, 3, ' ')).content).toMatch(/Grund an/);
    expect((await bonus(owner.id, alice.id, 3, 'x'.repeat(201))).content).toMatch(/200 Zeichen/);
    expect(await inviterCounts(stack.db.db, guild.id, alice.id)).toMatchObject({ bonus: 0 });
  });

  it('answers in English for an English user', async () => {
    const { sim, guild, owner, alice } = await setup();
    const interaction = await sim.invokeCommand({
      userId: owner.id,
      guildId: guild.id,
      name: 'invites',
      locale: 'en-US',
      options: sub('bonus', bonusOptions(alice.id, 1, 'Event')),
    });
    const data = (await interaction.waitForResponse()).data as { content: string };
    expect(data.content).toBe(
      `<@${alice.id}> got 1 bonus invite. Reason: Event\nTotal now: **1** (1 bonus).`,
    );
  });
});

describe('/invites rangliste zeitraum:', () => {
  let stack: Stack;
  afterEach(async () => stack?.stop());

  it('counts only the joins inside the period, in German and English', async () => {
    stack = await startStack();
    const { sim } = stack;
    const guild = sim.createGuild({ name: 'Periods', locale: 'de' });
    const caller = sim.createUser({ username: 'caller', locale: 'de' });
    sim.addMember(guild.id, caller.id);
    await primed(stack, guild.id);
    const [recent, month, old] = ['810000000000000001', '810000000000000002', '810000000000000003'];
    let member = 820000000000000000n;
    const DAY = 24 * 60 * 60_000;
    const seed = async (inviterId: string, count: number, daysAgo: number) => {
      for (let i = 0; i < count; i++) {
        await applyDecision(
          stack.db.db,
          {
            guildId: guild.id,
            memberId: String(member++),
            joinedAt: new Date(Date.now() - daysAgo * DAY - i * 1000),
            memberBot: false,
            outcome: 'exact',
            reason: 'single_code',
            code: `c${inviterId.slice(-1)}`,
            inviterId,
            candidates: null,
          },
          { xpPerInvite: 50, excluded: false },
        );
      }
    };
    await seed(recent, 2, 0);
    await seed(month, 3, 20);
    await seed(old, 4, 100);
    const board = async (period: string | null, locale = 'de') => {
      const interaction = await sim.invokeCommand({
        userId: caller.id,
        guildId: guild.id,
        name: 'invites',
        locale,
        options: sub(
          'rangliste',
          period === null ? [] : [{ name: 'zeitraum', type: 3, value: period }],
        ),
      });
      const data = (await interaction.waitForResponse()).data as {
        embeds: { title: string; description: string }[];
      };
      const embed = data.embeds[0]!;
      const ranked = embed.description
        .split('\n')
        .filter((l) => l.startsWith('**'))
        .map((l) =>
          l
            .match(/<@(\d+)> — (\d+)/)!
            .slice(1)
            .join(':'),
        );
      return { title: embed.title, ranked };
    };
    expect(await board('7')).toEqual({
      title: 'Rangliste der letzten 7 Tage',
      ranked: [`${recent}:2`],
    });
    expect((await board('30')).ranked).toEqual([`${month}:3`, `${recent}:2`]);
    const all = [`${old}:4`, `${month}:3`, `${recent}:2`];
    expect((await board('gesamt')).ranked).toEqual(all);
    expect((await board('saison')).ranked).toEqual(all);
    expect((await board(null)).title).toMatch(/^Rangliste dieser Saison/);
    expect(await board('30', 'en-US')).toEqual({
      title: 'Leaderboard of the last 30 days',
      ranked: [`${month}:3`, `${recent}:2`],
    });
    // A value Discord would never send gets the polite failure, not a default.
    const odd = await sim.invokeCommand({
      userId: caller.id,
      guildId: guild.id,
      name: 'invites',
      options: sub('rangliste', [{ name: 'zeitraum', type: 3, value: '9999' }]),
    });
    expect(((await odd.waitForResponse()).data as { content: string }).content).toMatch(
      /nicht geklappt/,
    );
  });
});
