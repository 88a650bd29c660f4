import { afterEach, describe, expect, it } from 'vitest';
import { applyDecision } from '../../db/queries/joins';
import { dbCommandQueries } from '../../gateway/commands/queries';
import { startGateway } from '../../gateway/app';
import { decidedJoin, gatewayOptions, primed, startStack, type Stack } from './stack';

const sub = (name: string, options: unknown[] = []) => [{ name, type: 1, options }];
const userOption = (id: string) => [{ name: 'mitglied', type: 6, value: id }];

describe('/invites commands', () => {
  let stack: Stack;
  afterEach(async () => stack?.stop());

  async function setup(gateway: Parameters<typeof startStack>[0] = {}) {
    stack = await startStack(gateway);
    const { sim } = stack;
    const guild = sim.createGuild({ name: 'Commands', locale: 'de' });
    const general = guild.defaultChannelId;
    const other = sim.createChannel(guild.id, { name: 'events' });
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((username) => {
      const user = sim.createUser({ username, locale: 'de' });
      sim.addMember(guild.id, user.id);
      return user;
    }) as [
      ReturnType<typeof sim.createUser>,
      ReturnType<typeof sim.createUser>,
      ReturnType<typeof sim.createUser>,
    ];
    const a1 = sim.createInvite(guild.id, { inviterId: alice.id, channelId: general });
    const a2 = sim.createInvite(guild.id, {
      inviterId: alice.id,
      channelId: other.id,
      maxUses: 10,
      maxAge: 3600,
    });
    const b1 = sim.createInvite(guild.id, { inviterId: bob.id });
    await primed(stack, guild.id);
    return { sim, guild, alice, bob, carol, a1, a2, b1, other };
  }

  it('uebersicht lists only the caller’s active codes, ephemerally, without a REST call per command', async () => {
    const { sim, guild, alice, a1, a2, b1, other } = await setup();
    await sim.join(guild.id, sim.createUser().id, { code: a2.code });
    await stack.gateway.settled();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const fetchesBefore = sim.requests.filter(
      (r) => r.routeKey === 'GET /guilds/:id/invites',
    ).length;
    const interaction = await sim.invokeCommand({
      userId: alice.id,
      guildId: guild.id,
      name: 'invites',
      options: sub('uebersicht'),
    });
    const response = await interaction.waitForResponse();
    expect(response.type).toBe(4);
    const data = response.data as {
      flags: number;
      embeds: { title: string; description: string }[];
    };
    expect(data.flags & 64).toBe(64);
    const description = data.embeds[0]!.description;
    expect(description).toContain(`\`${a1.code}\``);
    expect(description).toContain(
      `\`${a2.code}\` · <#${other.id}> · 1 von 10 Nutzungen · läuft ab <t:`,
    );
    expect(description).not.toContain(b1.code);
    expect(description.indexOf(a2.code)).toBeLessThan(description.indexOf(a1.code));
    expect(sim.requests.filter((r) => r.routeKey === 'GET /guilds/:id/invites').length).toBe(
      fetchesBefore,
    );
  });

  it('uebersicht gives a friendly hint when the caller has no invite', async () => {
    const { sim, guild, carol } = await setup();
    const interaction = await sim.invokeCommand({
      userId: carol.id,
      guildId: guild.id,
      name: 'invites',
      options: sub('uebersicht'),
    });
    const response = await interaction.waitForResponse();
    expect((response.data as { content: string }).content).toMatch(
      /keine aktiven Einladungslinks.*Leute einladen/,
    );
  });

  it('rangliste shows the top 10 with ranks and the caller’s own rank below', async () => {
    const { sim, guild, carol } = await setup();
    const db = stack.db.db;
    const inviters = Array.from({ length: 12 }, (_, i) => String(800000000000000000n + BigInt(i)));
    let member = 810000000000000000n;
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const seed = async (inviterId: string, count: number) => {
      for (let i = 0; i < count; i++) {
        await applyDecision(
          db,
          {
            guildId: guild.id,
            memberId: String(member++),
            joinedAt: new Date((clock += 1000)),
            memberBot: false,
            outcome: 'exact',
            reason: 'single_code',
            code: `c${inviterId.slice(-2)}`,
            inviterId,
            candidates: null,
          },
          { xpPerInvite: 50, excluded: false },
        );
      }
    };
    for (const [i, inviter] of inviters.entries()) await seed(inviter, 13 - i);
    await seed(carol.id, 1);
    const interaction = await sim.invokeCommand({
      userId: carol.id,
      guildId: guild.id,
      name: 'invites',
      options: sub('rangliste'),
    });
    const response = await interaction.waitForResponse();
    const data = response.data as { flags?: number; embeds: { description: string }[] };
    expect(data.flags ?? 0).toBe(0);
    const lines = data.embeds[0]!.description.split('\n');
    expect(lines[0]).toBe(
      `**1.** <@${inviters[0]}> — 13 Einladungen (13 regulär, 0 verlassen, 0 Fake, 0 Bonus, 650 XP)`,
    );
    expect(lines[9]).toMatch(new RegExp(`^\\*\\*10\\.\\*\\* <@${inviters[9]}> — 4 Einladungen`));
    expect(lines.at(-1)).toBe(
      'Dein Platz: **13.** — 1 Einladung (1 regulär, 0 verlassen, 0 Fake, 0 Bonus, 50 XP)',
    );
  });

  it('answers in the user’s language, else the server’s', async () => {
    const { sim, guild, carol } = await setup();
    const ask = async (locale: string, guildLocale: string) => {
      const i = await sim.invokeCommand({
        userId: carol.id,
        guildId: guild.id,
        name: 'invites',
        options: sub('uebersicht'),
        locale,
        guildLocale,
      });
      return ((await i.waitForResponse()).data as { content: string }).content;
    };
    expect(await ask('en-US', 'de')).toMatch(/^You have no active invite links/);
    expect(await ask('fr', 'de')).toMatch(/^Du hast in diesem Server/);
    expect(await ask('fr', 'en-GB')).toMatch(/^You have no active invite links/);
  });

  it('wer tells who invited a member, or the honest outcome, or that nothing is recorded', async () => {
    const { sim, guild, alice, carol, a1 } = await setup();
    const dave = sim.createUser({ username: 'dave' });
    await sim.join(guild.id, dave.id, { code: a1.code });
    await decidedJoin(stack, guild.id, dave.id);
    // A Discovery join within the event window of the fetch that counted dave's use could be the
    // one that use belongs to (its event late, dave's use-less): both would be ambiguous. This test
    // is about the answers, so erin comes once that window has passed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const erin = sim.createUser({ username: 'erin' });
    await sim.join(guild.id, erin.id, { source: 'discovery' });
    await decidedJoin(stack, guild.id, erin.id);
    const who = async (memberId: string) => {
      const i = await sim.invokeCommand({
        userId: carol.id,
        guildId: guild.id,
        name: 'invites',
        options: sub('wer', userOption(memberId)),
      });
      const r = await i.waitForResponse();
      return r.data as { content: string; flags: number };
    };
    const exact = await who(dave.id);
    expect(exact.flags & 64).toBe(64);
    expect(exact.content).toMatch(
      new RegExp(
        `^<@${dave.id}> wurde <t:\\d+:f> von <@${alice.id}> über \`${a1.code}\` eingeladen\\.$`,
      ),
    );
    expect((await who(erin.id)).content).toMatch(
      /beigetreten; keine gezählte Einladungsnutzung passt zu diesem Beitritt/,
    );
    expect((await who(carol.id)).content).toMatch(/kein Beitritt aufgezeichnet/);
  });

  it('defers when the database is slow and edits the answer in', async () => {
    // The real queries, each 1.5 s late: the stack's database is known once it started.
    const real: { queries?: ReturnType<typeof dbCommandQueries> } = {};
    const delay = () => new Promise((resolve) => setTimeout(resolve, 1500));
    await setup({
      gateway: {
        commandQueries: {
          leaderboard: async (g) => (await delay(), real.queries!.leaderboard(g)),
          standing: async (g, u) => (await delay(), real.queries!.standing(g, u)),
          latestJoin: async (g, m) => (await delay(), real.queries!.latestJoin(g, m)),
          overview: async (g, u) => (await delay(), real.queries!.overview(g, u)),
          giveBonus: async (r) => (await delay(), real.queries!.giveBonus(r)),
        },
      },
    });
    real.queries = dbCommandQueries(stack.db.db);
    const { sim } = stack;
    const guild = sim.getGuild([...stack.gateway.registry.all()][0]!.guildId)!;
    const interaction = await sim.invokeCommand({
      userId: guild.ownerId,
      guildId: guild.id,
      name: 'invites',
      options: sub('rangliste'),
    });
    expect((await interaction.waitForResponse()).type).toBe(5);
    const final = await interaction.waitForFinal(8000);
    expect(final.embeds).toHaveLength(1);
  });

  it('still answers politely when the database fails', async () => {
    await setup({
      gateway: {
        commandQueries: {
          leaderboard: () => Promise.reject(new Error('db down')),
          standing: () => Promise.reject(new Error('db down')),
          latestJoin: () => Promise.reject(new Error('db down')),
          overview: () => Promise.reject(new Error('db down')),
          giveBonus: () => Promise.reject(new Error('db down')),
        },
      },
    });
    const { sim } = stack;
    const guild = sim.getGuild([...stack.gateway.registry.all()][0]!.guildId)!;
    const interaction = await sim.invokeCommand({
      userId: guild.ownerId,
      guildId: guild.id,
      name: 'invites',
      options: sub('rangliste'),
    });
    expect(((await interaction.waitForResponse()).data as { content: string }).content).toMatch(
      /^Sorry, that did not work/,
    );
  });

  it('answers unknown subcommands, DMs and malformed payloads without crashing, and counts them', async () => {
    const { sim, guild, carol } = await setup();
    const unknown = await sim.invokeCommand({
      userId: carol.id,
      guildId: guild.id,
      name: 'invites',
      options: sub('bogus'),
    });
    expect(((await unknown.waitForResponse()).data as { content: string }).content).toMatch(
      /kenne ich nicht/,
    );
    const dm = await sim.invokeCommand({
      userId: carol.id,
      name: 'invites',
      options: sub('uebersicht'),
    });
    expect(((await dm.waitForResponse()).data as { content: string }).content).toMatch(
      /nur in einem Server/,
    );
    const badWho = await sim.invokeCommand({
      userId: carol.id,
      guildId: guild.id,
      name: 'invites',
      options: sub('wer', [{ name: 'mitglied', type: 6, value: 'x' }]),
    });
    expect(((await badWho.waitForResponse()).data as { content: string }).content).toMatch(
      /nicht geklappt/,
    );
    sim.dispatchRaw('INTERACTION_CREATE', { type: 2, data: { name: 'invites' } }, null);
    // A token that would walk the reply's URL to another route is never used in a request.
    const postsBefore = sim.requests.filter((r) => r.method === 'POST').length;
    sim.dispatchRaw(
      'INTERACTION_CREATE',
      { id: '1300000000000000001', token: '../../../guilds/1/members', type: 'bad' },
      null,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sim.requests.filter((r) => r.method === 'POST')).toHaveLength(postsBefore);
    const values = (await stack.gateway.metrics.badPayloads.get()).values;
    expect(values).toContainEqual(
      expect.objectContaining({ labels: { event: 'INTERACTION_CREATE', problem: 'malformed' } }),
    );
    expect(values).toContainEqual(
      expect.objectContaining({
        labels: { event: 'INTERACTION_CREATE', problem: 'unknown_command' },
      }),
    );
    expect(stack.gateway.ready()).toBe(true);
  });

  it('registers the commands once: a second start with unchanged definitions sends no overwrite', async () => {
    await setup();
    const { sim, db } = stack;
    const puts = () =>
      sim.requests.filter((r) => r.method === 'PUT' && r.routeKey.includes('/commands')).length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(puts()).toBe(1);
    const registered = sim.commands();
    expect(registered.map((c) => c.name)).toEqual(['invites']);
    expect(JSON.stringify(registered)).toContain('"uebersicht"');
    expect(JSON.stringify(registered)).toContain('"overview"');
    await stack.gateway.stop({ resumable: false });
    stack.gateway = await startGateway(...gatewayOptions(sim, db));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(puts()).toBe(1);
    expect(
      sim.requests.filter((r) => r.method === 'GET' && r.routeKey.includes('/commands')).length,
    ).toBe(2);
  });

  it('registers in one guild when a development guild is configured', async () => {
    stack = await startStack({
      setup: (sim) => void sim.createGuild({ id: '1400000000000000001', name: 'Dev' }),
    });
    await stack.gateway.stop({ resumable: false });
    stack.gateway = await startGateway(
      ...gatewayOptions(stack.sim, stack.db, { devGuildId: '1400000000000000001' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.sim.commands('1400000000000000001').map((c) => c.name)).toEqual(['invites']);
    expect(
      stack.sim.requests.some((r) => r.method === 'PUT' && r.routeKey.includes('/guilds/')),
    ).toBe(true);
  });
});
