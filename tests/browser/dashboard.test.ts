/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the built
 * server, the simulator's OAuth2 and REST, and a real database (Postgres with TEST_DATABASE_URL,
 * else PGlite). Screenshots at 1280 and 390 px go to test-artifacts/browser/.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/queries/audit';
import { listExcludedCodes } from '../../db/queries/excluded-codes';
import { applyDecision } from '../../db/queries/joins';
import { getLeaderboard } from '../../db/queries/leaderboard';
import { getRewardTiers, runRoleSyncPage } from '../../db/queries/reward-roles';
import { getGuildSettings } from '../../db/queries/settings';
import { upsertUsers } from '../../db/queries/users';
import { authSessions, memberJoins, outbox } from '../../db/schema';
import { freePort } from '../helpers/ports';
import { DashboardStack } from './stack';
import { ADMIN_AVATAR, buildWorld, FORMULA_NAME, MEMBER_AVATAR, type World } from './world';

const CHROMIUM = '/usr/bin/chromium';
const AVATAR_PNG = readFileSync(
  resolve(import.meta.dirname, '..', '..', 'dashboard', 'static', 'apple-touch-icon.png'),
);
const ARTIFACTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'browser');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(
    `[browser] ${CHROMIUM} not found: skipping the dashboard browser tests. Install it with ` +
      '`apt-get install -y chromium` (.ci/run does).',
  );
}

const suite = haveChromium ? describe : describe.skip;

suite('dashboard in a browser', () => {
  let stack: DashboardStack;
  let world: World;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let evil: Server | null = null;
  let base: string;
  let sessionCookie = '';
  /** Page width at 390 px per screenshot, for the report at the end. */
  const pageWidths: { name: string; scroll: number; inner: number }[] = [];

  /** Two animation frames: the page has re-laid itself out after a viewport change. */
  const settle = (target: Page) =>
    target.evaluate(
      'new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))',
    );

  /**
   * Svelte hydration resets a form to the values the server rendered, so a choice made before it
   * would be lost: wait for the root layout's mark after every full page load.
   */
  const hydrated = (target: Page) =>
    target.locator('html[data-hydrated]').waitFor({ state: 'attached' });

  async function open(target: Page, url: string) {
    const response = await target.goto(url);
    await hydrated(target);
    return response;
  }

  async function shot(target: Page, name: string) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const size = target.viewportSize() ?? { width: 1280, height: 900 };
    await target.setViewportSize({ width: 1280, height: 900 });
    await settle(target);
    await target.screenshot({ path: join(ARTIFACTS, `${name}-desktop.png`), fullPage: true });
    await target.setViewportSize({ width: 390, height: 844 });
    await settle(target);
    await target.screenshot({ path: join(ARTIFACTS, `${name}-mobile.png`), fullPage: true });
    // Nothing may stick out sideways on a phone: the page is no wider than the viewport.
    const widths = await target.evaluate<{ scroll: number; inner: number }>(
      '({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })',
    );
    expect(widths.scroll, `${name} is wider than the viewport at 390 px`).toBeLessThanOrEqual(
      widths.inner,
    );
    pageWidths.push({ name, ...widths });
    await target.setViewportSize(size);
  }

  async function loginAs(userId: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'de-DE',
    });
    // The Discord CDN answers avatar requests with a stand-in picture (no internet in tests).
    await context.route('https://cdn.discordapp.com/**', (route) =>
      route.fulfill({ status: 200, contentType: 'image/png', body: AVATAR_PNG }),
    );
    // Who the simulator's authorize endpoint treats as logged in (per browser).
    await context.addCookies([{ name: 'sim_user', value: userId, url: stack.sim.authorizeUrl }]);
    const p = await context.newPage();
    await open(p, base);
    await p.getByRole('link', { name: 'Mit Discord anmelden' }).click();
    await p.waitForURL(`${base}/servers`);
    return { context, page: p };
  }

  const guildPath = (suffix = '') => `${base}/servers/${world.guild.id}${suffix}`;

  beforeAll(async () => {
    stack = await DashboardStack.create();
    base = stack.base;
    world = await buildWorld(stack.sim, (await stack.db()).db);
    await stack.start();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 120_000);

  afterAll(async () => {
    if (pageWidths.length > 0) {
      console.info(
        `[browser] page widths at 390 px: ${pageWidths.map((w) => `${w.name} ${w.scroll}/${w.inner}`).join(', ')}`,
      );
    }
    await browser?.close();
    await new Promise<void>((done) => (evil ? evil.close(() => done()) : done()));
    await stack?.close();
  });

  it('logs in with Discord (simulator OAuth) and lists the servers to manage', async () => {
    ({ context: admin, page } = await loginAs(world.admin.id));
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    const withBot = page.getByTestId('servers-with-bot');
    await expect.poll(() => withBot.textContent()).toContain('Testserver');
    expect(await withBot.textContent()).not.toContain('Fremder Server');
    const missing = page.getByTestId('servers-without-bot');
    expect(await missing.textContent()).toContain('Ohne Bot');
    const invite = new URL((await missing.getByRole('link').first().getAttribute('href'))!);
    expect(invite.searchParams.get('guild_id')).toBe(world.botless.id);
    expect(invite.searchParams.get('permissions')).toBe('19632');
    expect(invite.searchParams.get('scope')).toBe('bot applications.commands');
    expect(await page.textContent('body')).toContain('Server Members');

    const cookie = (await admin.cookies(base)).find((c) => c.name === 'it_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie!.value).toMatch(/^[a-z2-9]{24}\.[a-z2-9]{24}$/);
    sessionCookie = cookie!.value;
    await shot(page, '01-servers');
  });

  it('opens a server: overview with the permission doctor', async () => {
    await page.getByRole('link', { name: /Verwalten: Testserver/ }).click();
    await page.waitForURL(guildPath());
    const doctor = page.getByTestId('doctor');
    await expect
      .poll(() => doctor.locator('[data-check="manage_guild"]').getAttribute('data-status'))
      .toBe('ok');
    expect(await doctor.locator('[data-check="manage_channels"]').getAttribute('data-status')).toBe(
      'ok',
    );
    expect(await doctor.locator('[data-check="view_audit_log"]').getAttribute('data-status')).toBe(
      'missing',
    );
    expect(await doctor.locator('[data-check="log_channel"]').getAttribute('data-status')).toBe(
      'off',
    );
    expect(await doctor.textContent()).toContain('Audit-Log anzeigen');
    await shot(page, '02-overview');
  });

  it('changes every basic setting, previews the templates live and sees them stored', async () => {
    await open(page, guildPath('/settings'));
    const channel = page.getByLabel('Log-Kanal', { exact: true });
    const options = await channel.locator('option').allTextContents();
    expect(options).toEqual(expect.arrayContaining(['#general', '#invite-log', '#news']));
    expect(options).not.toContain('#Voice');
    await channel.selectOption(world.logChannel.id);
    await page.getByLabel('Einladende per DM benachrichtigen').check();
    await page.getByLabel('XP pro Einladung').fill('75');
    await page.getByLabel('Englisch').check();
    // Unedited defaults follow the language switch.
    expect(await page.getByLabel('Log-Nachricht (nicht zuordenbarer Beitritt)').inputValue()).toBe(
      '{member} joined; {reason}.',
    );
    await page
      .getByLabel('Log-Nachricht (eindeutiger Beitritt)')
      .fill('{member} kam über {code} von {inviter} ({count})');
    await page.getByLabel('DM an Einladende').fill('Danke {inviter}! {member} ist da, +{xp} XP');
    await expect
      .poll(() => page.getByTestId('preview-log').textContent())
      .toContain('@New member kam über abc123 von @Ada Admin (12)');
    expect(await page.getByTestId('preview-dm').textContent()).toContain('+75 XP');
    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.getByTestId('saved').waitFor();
    expect(await page.getByTestId('saved').textContent()).toContain('Gespeichert');

    await page.reload();
    await hydrated(page);
    expect(await page.getByLabel('Log-Kanal', { exact: true }).inputValue()).toBe(
      world.logChannel.id,
    );
    expect(await page.getByLabel('Einladende per DM benachrichtigen').isChecked()).toBe(true);
    expect(await page.getByLabel('XP pro Einladung').inputValue()).toBe('75');
    expect(await page.getByLabel('Englisch').isChecked()).toBe(true);
    expect(await page.getByLabel('Log-Nachricht (eindeutiger Beitritt)').inputValue()).toBe(
      '{member} kam über {code} von {inviter} ({count})',
    );
    await shot(page, '03-settings');
  });

  it('sends a test message to the log channel, at most once a minute', async () => {
    await open(page, guildPath('/settings'));
    await page.getByTestId('send-test').click();
    await page.getByTestId('test-sent').waitFor();
    expect(await page.getByTestId('test-sent').textContent()).toContain('invite-log');
    await page.getByTestId('send-test').click();
    await page.getByTestId('test-error').waitFor();
    expect(await page.getByTestId('test-error').textContent()).toMatch(/warte noch \d+ Sekunden/);
  });

  it('shows inline errors for invalid input, focuses the first one and saves nothing', async () => {
    await page.getByLabel('XP pro Einladung').fill('viele');
    await page.getByLabel('Log-Nachricht (eindeutiger Beitritt)').fill('Hallo {foo}');
    await page.getByLabel('Mindestaufenthalt vor der Belohnung (Tage)').fill('31');
    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.getByTestId('form-errors').waitFor();
    const xp = page.getByLabel('XP pro Einladung');
    expect(await xp.getAttribute('aria-invalid')).toBe('true');
    await expect
      .poll(() => page.evaluate<string>('document.activeElement?.id'))
      .toBe('field-xpPerInvite');
    expect(await page.locator('#field-xpPerInvite-error').textContent()).toContain('ganze Zahl');
    expect(await page.locator('#field-logTemplate-error').textContent()).toContain('{foo}');
    expect(await page.locator('#field-minStayDays-error').textContent()).toContain('0 bis 30');
    await shot(page, '04-settings-errors');
    await page.reload();
    await hydrated(page);
    expect(await page.getByLabel('XP pro Einladung').inputValue()).toBe('75');
    expect(await page.getByLabel('Log-Nachricht (eindeutiger Beitritt)').inputValue()).toContain(
      'kam über',
    );
  });

  it('rejects a forged channel id from another server', async () => {
    // What a forged request would carry: a channel id of another server in this server's form.
    await page.evaluate(`{
      const select = document.querySelector('#field-logChannelId');
      select.add(new Option('#forged', '${world.foreignChannel.id}'));
      select.value = '${world.foreignChannel.id}';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    }`);
    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.getByTestId('form-errors').waitFor();
    expect(await page.locator('#field-logChannelId-error').textContent()).toContain(
      'gehört nicht zu diesem Server',
    );
    await page.reload();
    await hydrated(page);
    expect(await page.getByLabel('Log-Kanal', { exact: true }).inputValue()).toBe(
      world.logChannel.id,
    );
  });

  it('excludes a current invite code with its toggle and another one by hand', async () => {
    await open(page, guildPath('/codes'));
    const row = page.locator(`tr[data-code="${world.adminInvite.code}"]`);
    expect(await row.textContent()).toContain('Ada Admin');
    expect(await row.textContent()).toContain('#general');
    await row.getByRole('button', { name: `Code ${world.adminInvite.code} ausschließen` }).click();
    await page.getByTestId('codes-status').waitFor();
    expect(await page.getByTestId('codes-status').textContent()).toContain(
      'ist jetzt ausgeschlossen',
    );
    await expect.poll(() => row.getAttribute('class')).toContain('excluded');
    expect(await row.getByTestId('excluded-badge').textContent()).toBe('ausgeschlossen');
    expect(await row.getByRole('button').getAttribute('aria-pressed')).toBe('true');

    await page.getByLabel('Einladungscode oder -link').fill('!!');
    await page.locator('form[action="?/add"]').getByRole('button').click();
    await page.locator('#manual-code-error').waitFor();
    await page.getByLabel('Einladungscode oder -link').fill('discord.gg/sommer-2026');
    await page.locator('form[action="?/add"]').getByRole('button').click();
    await expect
      .poll(() => page.getByTestId('other-excluded').textContent())
      .toContain('sommer-2026');
    await shot(page, '05-codes');
  });

  it('sets reward tiers (a role above the bot refused inline), personal links, and syncs roles with progress', async () => {
    await open(page, guildPath('/rewards'));
    const rows = page.getByTestId('tiers').locator('tbody tr');
    await rows.nth(0).locator('input[name="tierInvites"]').fill('3');
    await rows.nth(0).locator('select[name="tierRole"]').selectOption(world.recruiter.id);
    await page.getByRole('button', { name: 'Stufe hinzufügen' }).click();
    await rows.nth(1).locator('input[name="tierInvites"]').fill('10');
    await rows.nth(1).locator('select[name="tierRole"]').selectOption(world.modRole.id);
    expect(await rows.nth(1).textContent()).toContain('über der Bot-Rolle, nicht vergebbar');
    await page.getByLabel('Kanal der Links').selectOption(world.news.id);
    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.getByTestId('form-errors').waitFor();
    expect(await page.getByTestId('form-errors').textContent()).toContain(
      'Die Rolle „Mods“ steht über der höchsten Rolle des Bots',
    );
    const db = (await stack.db()).db;
    expect(await getRewardTiers(db, world.guild.id)).toEqual([]);
    await rows.nth(1).getByRole('button', { name: 'Stufe entfernen' }).click();
    await page.getByRole('button', { name: 'Speichern' }).click();
    await page.getByTestId('saved').waitFor();
    expect(await getRewardTiers(db, world.guild.id)).toEqual([
      { invites: 3, roleId: world.recruiter.id },
    ]);
    expect((await getGuildSettings(db, world.guild.id)).personalLinkChannelId).toBe(world.news.id);

    await page.getByTestId('sync-roles').click();
    const progress = page.getByTestId('sync-progress');
    await expect.poll(() => progress.getAttribute('data-status')).toBe('running');
    // The gateway's worker (not running here) goes through the job; the page polls its progress.
    await runRoleSyncPage(db, sql`"role_sync_jobs"."guild_id" = ${world.guild.id}`, 100);
    await expect.poll(() => progress.getAttribute('data-status'), { timeout: 10_000 }).toBe('done');
    expect(await progress.textContent()).toMatch(/Letzter Abgleich: (\d+) von \1 Einladenden/);
    await shot(page, '05b-rewards');
  });

  it('shows the leaderboard', async () => {
    await open(page, guildPath('/leaderboard'));
    const rows = page.getByTestId('leaderboard').locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('Ada Admin');
    expect(await rows.nth(0).locator('td').nth(1).textContent()).toBe('7');
    expect(await rows.nth(1).textContent()).toContain('Mo Moderator');
    // Faces: Ada's avatar from the CDN, Mo (no avatar) gets the initial.
    const ada = rows.nth(0).locator('.person');
    expect(await ada.getAttribute('data-avatar')).toBe(
      `https://cdn.discordapp.com/avatars/${world.admin.id}/${ADMIN_AVATAR}.webp?size=64`,
    );
    await expect
      .poll(() =>
        ada.locator('img').evaluate((img) => (img as { naturalWidth: number }).naturalWidth),
      )
      .toBeGreaterThan(0);
    expect(await rows.nth(1).locator('.person-avatar.initial').textContent()).toBe('M');
    expect(await page.textContent('main')).not.toMatch(/\d{17,20}/);
    await shot(page, '06-leaderboard');
  });

  it('switches the leaderboard period and asks before a season reset', async () => {
    await open(page, guildPath('/leaderboard'));
    await page.getByTestId('periods').getByRole('link', { name: 'Letzte 7 Tage' }).click();
    await page.waitForURL(guildPath('/leaderboard?period=7d'));
    expect(await page.getByTestId('leaderboard-view').textContent()).toContain('Letzte 7 Tage');
    expect(
      await page.getByTestId('periods').locator('[data-period="7d"]').getAttribute('aria-current'),
    ).toBe('true');
    await page.getByTestId('season-reset').click();
    await page.waitForURL(guildPath('/leaderboard?confirm=reset'));
    expect(await page.getByRole('alertdialog').textContent()).toContain('Saison 2 starten?');
    await shot(page, '06c-leaderboard-season-confirm');
    await page.getByRole('alertdialog').getByRole('link', { name: 'Abbrechen' }).click();
    await page.getByTestId('season-reset').waitFor();
  });

  it('opens an inviter page from the leaderboard: counts, codes, joins over time, latest joins', async () => {
    await open(page, guildPath('/leaderboard'));
    await page.getByTestId('leaderboard').getByRole('link', { name: 'Mo Moderator' }).click();
    await page.waitForURL(guildPath(`/inviters/${world.mod.id}`));
    expect(await page.getByTestId('inviter-name').textContent()).toContain('Mo Moderator');
    const stat = (name: string) =>
      page.getByTestId('inviter-stats').locator(`[data-stat="${name}"]`).textContent();
    const mods = world.joins.filter((j) => j.inviterId === world.mod.id);
    expect(await stat('attributed')).toBe(String(mods.length));
    expect(await stat('left')).toBe('1');
    expect(await stat('still-here')).toBe(String(mods.length - 1));
    expect(await stat('rank')).toBe('2');
    const codes = page.getByTestId('inviter-codes');
    expect(await codes.locator(`[data-code="${world.modInvite.code}"]`).textContent()).toContain(
      String(mods.length),
    );
    expect(await page.getByTestId('inviter-joins').locator('tbody tr').count()).toBe(mods.length);
    expect(await page.getByTestId('inviter-joins').textContent()).toContain('Anna Avatar');
    await page.getByTestId('joins-chart').locator('svg').first().waitFor();
    await shot(page, '06b-inviter');
    // Someone this server never saw as an inviter: 404, not an empty page.
    const stranger = await open(page, guildPath(`/inviters/${world.stranger.id}`));
    expect(stranger!.status()).toBe(404);
    expect((await open(page, guildPath('/inviters/not-an-id')))!.status()).toBe(404);
  });

  it('charts 7, 30, 90 days and all time, with whole-number ticks and readable labels', async () => {
    await open(page, guildPath('/history'));
    const chart = page.getByTestId('joins-chart');
    expect(await chart.getAttribute('data-points')).toBe('30');
    // Anna joined 40 days ago: outside 30 days, inside 90 and all time.
    const total = async () =>
      Number(
        await page
          .locator('details table tbody tr td:nth-child(2)')
          .evaluateAll((cells) => cells.reduce((s, c) => s + Number(c.textContent), 0)),
      );
    const all = world.joins.length;
    expect(await total()).toBe(all - 1);
    for (const [label, range, points] of [
      ['7 Tage', '7', '7'],
      ['90 Tage', '90', '90'],
      ['Gesamt', 'all', '41'],
    ] as const) {
      await page.getByRole('link', { name: label, exact: true }).click();
      await page.waitForURL(new RegExp(`range=${range}`));
      expect(await page.getByTestId('joins-chart').getAttribute('data-points')).toBe(points);
      expect(await page.locator('.chart-ranges [aria-current="true"]').textContent()).toBe(label);
    }
    expect(await total()).toBe(all);
    // Axis labels: at least 12 px, German dates, whole numbers only.
    const labels = await page.evaluate<{ text: string; size: number }[]>(
      `[...document.querySelectorAll('[data-testid="joins-chart"] svg text')].map((n) => ({
        text: n.textContent ?? '',
        size: parseFloat(getComputedStyle(n).fontSize),
      }))`,
    );
    expect(labels.length).toBeGreaterThan(3);
    for (const l of labels) expect(l.size, l.text).toBeGreaterThanOrEqual(12);
    const numbers = labels.map((l) => l.text).filter((t) => /^[\d.,]+$/.test(t));
    expect(numbers.length).toBeGreaterThan(1);
    for (const n of numbers) expect(n, 'a count tick').toMatch(/^\d+(\.\d{3})*$/);
    expect(labels.some((l) => /^\d{1,2}\. [A-ZÄÖÜ][a-zä]{2}/.test(l.text))).toBe(true);
    expect(await page.getByTestId('chart-legend').textContent()).toContain('Alle Beitritte');
    await shot(page, '07b-history-all-time');
  });

  it('filters the join history, shows each reason and the chart, and exports CSV', async () => {
    await open(page, guildPath('/history'));
    await page.getByTestId('joins-chart').locator('svg').first().waitFor();
    await shot(page, '07-history');
    await page.getByLabel('Ergebnis').selectOption('ambiguous');
    await page.getByRole('button', { name: 'Filtern' }).click();
    await page.waitForURL(/outcome=ambiguous/);
    const rows = page.getByTestId('history').locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('nicht eindeutig (mögliche Codes:');

    await open(page, guildPath(`/history?outcome=left`));
    expect(await page.getByTestId('history').locator('tbody tr').count()).toBe(1);
    expect(await page.getByTestId('history').textContent()).toContain('Weg Wanda');

    // Members and inviters by name and face; search by the start of a name.
    await open(page, guildPath('/history?range=all'));
    const anna = page.getByTestId('history').locator('tr', { hasText: 'Anna Avatar' });
    expect(await anna.locator('th .person').getAttribute('data-avatar')).toContain(MEMBER_AVATAR);
    expect(await anna.locator('td .person').textContent()).toContain('Mo Moderator');
    await page.getByLabel('Mitglied').fill('ann');
    await page.getByRole('button', { name: 'Filtern' }).click();
    await page.waitForURL(/member=ann/);
    expect(await page.getByTestId('history').locator('tbody tr').count()).toBe(1);
    expect(await page.getByTestId('history-count').textContent()).toContain('1 Beitritt');
    await open(page, guildPath('/history?inviter=MO'));
    const byMo = world.joins.filter((j) => j.inviterId === world.mod.id).length;
    expect(await page.getByTestId('history-count').textContent()).toContain(`${byMo} Beitritte`);
    await open(page, guildPath('/history?inviter=nobody-called-this'));
    expect(await page.getByTestId('history-count').textContent()).toContain('0 Beitritte');

    await open(page, guildPath(`/history?code=${world.adminInvite.code}`));
    expect(await page.getByTestId('history-count').textContent()).toContain('7 Beitritte');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export').click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true); // Excel reads UTF-8 with the byte order mark
    const lines = csv.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'joined_at,member_id,member,outcome,outcome_label,reason,code,inviter_id,inviter,excluded,xp,left_at,resolved_by_admin,fake,fake_flags,reward_status,reward_due_at',
    );
    expect(lines).toHaveLength(8);
    expect(lines.slice(1).every((l) => l.includes(world.adminInvite.code))).toBe(true);
    // A member name that is a spreadsheet formula is neutralised.
    expect(csv).toContain(`"'${FORMULA_NAME.replace(/"/g, '""')}"`);
    expect(csv).toContain('nur die Nutzungen von');
  });

  it('refuses a resolve with a code from nowhere, an inviter the code does not belong to, the member herself or a stranger', async () => {
    await open(page, guildPath('/history?outcome=ambiguous'));
    const href = await page
      .getByRole('link', { name: 'Beitritt von Unklar Ulla zuordnen' })
      .getAttribute('href');
    const ulla = world.joins.find((j) => j.outcome === 'ambiguous')!.memberId;
    const attempts: Record<string, string>[] = [
      { code: 'not-in-this-guild' },
      { code: world.modInvite.code, inviterId: world.member.id },
      // Without a code: not the member herself, not someone this server never saw.
      { code: '', inviterId: ulla },
      { code: '', inviterId: '123456789012345678' },
    ];
    for (const form of attempts) {
      // As a browser without JavaScript posts it: the page comes back with the failure's status.
      const response = await page.request.post(`${base}${href}?/resolve`, {
        form,
        headers: { origin: base, accept: 'text/html' },
        maxRedirects: 0,
      });
      expect(response.status(), JSON.stringify(form)).toBe(400);
    }
    await open(page, guildPath('/history?outcome=ambiguous'));
    expect(await page.getByTestId('history').textContent()).toContain('Unklar Ulla');
  });

  it('explains instead of failing when settings are saved for a server without the bot', async () => {
    const response = await page.request.post(`${base}/servers/${world.botless.id}/codes?/add`, {
      form: { code: 'some-code' },
      headers: { origin: base },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(409);
  });

  it('resolves an ambiguous join; XP follows the once-only rule and who/when is recorded', async () => {
    await open(page, guildPath('/history?outcome=ambiguous'));
    await page.getByRole('link', { name: 'Beitritt von Unklar Ulla zuordnen' }).click();
    await page.waitForURL(/\/history\/\d+$/);
    const joinPage = page.url();
    await page.getByLabel('Einladungscode').selectOption(world.modInvite.code);
    await page.getByRole('button', { name: 'Zuordnen' }).click();
    await page.waitForURL(/resolved=\d+/);
    const result = page.getByTestId('resolution');
    expect(await result.textContent()).toContain('wurde zugeordnet');
    expect(await result.getByTestId('resolution-code').textContent()).toContain(
      world.modInvite.code,
    );
    expect(await result.getByTestId('resolution-inviter').textContent()).toContain('Mo Moderator');
    expect(await result.getByTestId('resolution-by').textContent()).toContain('Ada Admin');
    expect(await result.locator('time').getAttribute('title')).toMatch(/UTC$/);
    await shot(page, '10-resolved');
    // The join's own page now shows the result instead of "cannot be assigned".
    await open(page, joinPage);
    expect(await page.getByTestId('resolution').textContent()).toContain('Ada Admin');
    expect(await page.textContent('main')).not.toContain('kann nicht zugeordnet werden');
    await shot(page, '11-join');
    await open(page, guildPath(`/history?code=${world.modInvite.code}`));
    const row = page.getByTestId('history').locator('tr', { hasText: 'Unklar Ulla' });
    expect(await row.textContent()).toContain('von Admin zugeordnet');
    expect(await row.textContent()).toContain('Mo Moderator');
  });

  it('switches the interface to English and back', async () => {
    await open(page, guildPath());
    await page.getByRole('button', { name: 'EN', exact: true }).click();
    await page.waitForFunction("document.documentElement.lang === 'en'");
    expect(await page.getByRole('heading', { name: 'Permission check' }).count()).toBe(1);
    expect(await page.getByTestId('audit').textContent()).toContain('excluded code');
    await shot(page, '08-overview-en');
    await page.getByRole('button', { name: 'DE', exact: true }).click();
    await page.waitForFunction("document.documentElement.lang === 'de'");
  });

  it('gives a non-manager 403 on every page and action, typed URLs and posted forms alike', async () => {
    const { context, page: other } = await loginAs(world.member.id);
    expect(await other.textContent('main')).toContain(
      'Auf keinem deiner Server ist der Bot bisher.',
    );
    const joinRow = await firstJoinId();
    for (const path of [
      '',
      '/settings',
      '/codes',
      '/leaderboard',
      '/rewards',
      '/history',
      `/history/${joinRow}`,
    ]) {
      const response = await open(other, guildPath(path));
      expect(response?.status(), path).toBe(403);
      expect(await other.textContent('main'), path).toContain('Kein Zugriff');
    }
    const exported = await other.request.get(guildPath('/history/export'));
    expect(exported.status()).toBe(403);
    await shot(other, '09-forbidden');
    const posts: [string, Record<string, string>][] = [
      [
        '/settings?/save',
        {
          logChannelId: '',
          xpPerInvite: '1',
          locale: 'de',
          logTemplate: 'x',
          logTemplateUndecided: 'x',
          dmTemplate: 'x',
        },
      ],
      ['/codes?/toggle', { code: world.modInvite.code, exclude: '1' }],
      ['/codes?/add', { code: 'from-member' }],
      [
        '/rewards?/save',
        { tierInvites: '1', tierRole: world.recruiter.id, rewardRoleMode: 'stack' },
      ],
      ['/rewards?/sync', {}],
      [`/history/${joinRow}?/resolve`, { code: world.modInvite.code }],
    ];
    for (const [path, form] of posts) {
      const response = await other.request.post(guildPath(path), {
        form,
        headers: { origin: base },
        maxRedirects: 0,
      });
      expect(response.status(), path).toBe(403);
    }
    // A moderator with Manage Server (through a role) is let in.
    const { context: modContext, page: modPage } = await loginAs(world.mod.id);
    expect((await open(modPage, guildPath('/settings')))?.status()).toBe(200);
    await modContext.close();
    await context.close();
  });

  it('blocks a form post from a foreign origin (SvelteKit origin check), even with the session cookie', async () => {
    const port = await freePort();
    evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><form id="f" method="POST" action="${guildPath('/codes?/add')}">
        <input name="code" value="evil-code"></form><script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((done) => evil!.listen(port, '127.0.0.1', done));
    const responses: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/codes')) responses.push(r.status());
    });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForURL(/\/codes/);
    await expect.poll(() => responses).toContain(403);
    expect(await page.textContent('body')).toMatch(
      /Cross-site POST form submissions are forbidden/,
    );
    await open(page, guildPath('/codes'));
    expect(await page.textContent('main')).not.toContain('evil-code');
  });

  it('logs out: the session ends on the server, its cookie no longer works', async () => {
    await open(page, `${base}/servers`);
    await page.getByRole('button', { name: 'Abmelden' }).click();
    await page.waitForURL(`${base}/`);
    expect((await admin.cookies(base)).find((c) => c.name === 'it_session')).toBeUndefined();
    const replay = await fetch(`${base}/servers`, {
      headers: { cookie: `it_session=${sessionCookie}` },
      redirect: 'manual',
    });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toMatch(/^\/login/);
    const guildPage = await fetch(guildPath('/settings'), {
      headers: { cookie: `it_session=${sessionCookie}` },
      redirect: 'manual',
    });
    expect(guildPage.status).toBe(303);
  });

  it('stored every change in the database', async () => {
    if (stack.kind === 'pglite') await stack.stop();
    const { db } = await stack.db();
    const settings = await getGuildSettings(db, world.guild.id);
    expect(settings).toMatchObject({
      logChannelId: world.logChannel.id,
      dmInviter: true,
      xpPerInvite: 75,
      locale: 'en',
      customTemplates: { log: true, logUndecided: false, dm: true },
      updatedBy: world.admin.id,
    });
    expect(settings.templates.log).toBe('{member} kam über {code} von {inviter} ({count})');
    const excluded = (await listExcludedCodes(db, world.guild.id)).map((e) => e.code).sort();
    expect(excluded).toEqual([world.adminInvite.code, 'sommer-2026'].sort());
    const [resolved] = await db
      .select()
      .from(memberJoins)
      .where(
        and(eq(memberJoins.guildId, world.guild.id), eq(memberJoins.reason, 'resolved_by_admin')),
      );
    expect(resolved).toMatchObject({
      outcome: 'exact',
      code: world.modInvite.code,
      inviterId: world.mod.id,
      resolvedBy: world.admin.id,
      xpAwarded: 75,
    });
    expect(resolved!.resolvedAt).toBeInstanceOf(Date);
    const actions = (await listAudit(db, world.guild.id, { limit: 50 }))
      .map((a) => a.action)
      .sort();
    expect(actions).toEqual([
      'code.exclude',
      'code.exclude',
      'join.resolve',
      'roles.sync',
      'settings.test',
      'settings.update',
      'tiers.update',
    ]);
    // The test message waits in the outbox for the log channel, pinging nobody.
    const queued = await db
      .select()
      .from(outbox)
      .where(
        and(eq(outbox.guildId, world.guild.id), isNull(outbox.joinId), eq(outbox.kind, 'log')),
      );
    expect(queued).toHaveLength(1);
    // The role sync queued the Recruiter role (tier 3) for the inviters with 3 or more, once each.
    const roles = await db
      .select()
      .from(outbox)
      .where(and(eq(outbox.guildId, world.guild.id), eq(outbox.kind, 'role')));
    const ranked = await getLeaderboard(db, world.guild.id, { limit: 100 });
    expect(roles.map((r) => r.targetId).sort()).toEqual(
      ranked
        .filter((r) => r.invites >= 3)
        .map((r) => r.inviterId)
        .sort(),
    );
    expect(roles.every((r) => (r.body as { roleId: string }).roleId === world.recruiter.id)).toBe(
      true,
    );
    expect(queued[0]).toMatchObject({ kind: 'log', targetId: world.logChannel.id });
    const body = queued[0]!.body as { content: string; allowed_mentions: unknown };
    expect(body.content).toContain('Test message from the dashboard');
    expect(body.content).toContain('kam über abc123 von');
    expect(body.allowed_mentions).toEqual({ parse: [], users: [] });
    const sessions = await db
      .select()
      .from(authSessions)
      .where(eq(authSessions.userId, world.admin.id));
    expect(sessions).toHaveLength(0);
  });

  it('shows the initial when an avatar does not load, also when it failed before hydration', async () => {
    const { context, page: viewer } = await loginAs(world.admin.id);
    await context.unroute('https://cdn.discordapp.com/**');
    await context.route('https://cdn.discordapp.com/**', (route) =>
      route.fulfill({ status: 404, body: '' }),
    );
    await open(viewer, guildPath('/leaderboard'));
    const ada = viewer.getByTestId('leaderboard').locator('tbody tr').nth(0);
    await expect.poll(() => ada.locator('.person-avatar.initial').count()).toBe(1);
    expect(await ada.locator('.person-avatar.initial').textContent()).toBe('A');
    expect(await ada.locator('img').count()).toBe(0);
    await context.close();
  });

  it('isolates names with direction overrides (U+202E): leaderboard, history, overview, resolve', async () => {
    if (stack.kind === 'pglite') await stack.stop();
    const { db } = await stack.db();
    const nina = world.joins.find((j) => j.outcome === 'unknown')!.memberId;
    const profile = (id: string, username: string, globalName: string) => ({
      id,
      username,
      globalName,
      avatar: null,
      bot: false,
    });
    await upsertUsers(db, [
      profile(world.mod.id, 'mo', 'Mo \u202Egnp.exe'),
      profile(nina, 'nina', 'Nina \u202Etxt.scr'),
      profile('800000000000000099', 'otto', 'Otto Offen'),
    ]);
    // A join whose two candidate codes share one inviter: its reason names him in a sentence.
    const { joinId } = await applyDecision(
      db,
      {
        guildId: world.guild.id,
        memberId: '800000000000000099',
        joinedAt: new Date(),
        memberBot: false,
        outcome: 'ambiguous',
        reason: 'several_codes',
        code: null,
        inviterId: world.mod.id,
        candidates: [
          { code: world.modInvite.code, inviterId: world.mod.id },
          { code: 'mo-second', inviterId: world.mod.id },
        ],
      },
      { xpPerInvite: 50, excluded: false },
    );
    await stack.start();
    const { context, page: viewer } = await loginAs(world.admin.id);
    // Each U+202E must be isolated together with just its name: by an element that isolates
    // (bdi, unicode-bidi: isolate) and holds only the name, or between FSI and PDI (U+2068,
    // U+2069) inside a longer text. Then the override cannot reorder anything after the name.
    const names = ['Mo \u202Egnp.exe', 'Nina \u202Etxt.scr'];
    const check = `(() => {
      const names = ${JSON.stringify(names)};
      const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
      const found = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.nodeValue;
        for (let i = text.indexOf('\u202E'); i !== -1; i = text.indexOf('\u202E', i + 1)) {
          const open = text.lastIndexOf('\u2068', i);
          const close = text.indexOf('\u2069', i);
          const inText = open !== -1 && close !== -1 && names.includes(text.slice(open + 1, close));
          let el = node.parentElement;
          while (el && !['isolate', 'isolate-override', 'plaintext'].includes(getComputedStyle(el).unicodeBidi)) {
            el = el.parentElement;
          }
          found.push({ text, isolated: inText || (el !== null && names.includes(el.textContent.trim())) });
        }
      }
      return found;
    })()`;
    const pages: [string, string[]][] = [
      ['/leaderboard', [names[0]!]],
      ['/history', names],
      ['', [names[0]!]],
      [`/history/${joinId}`, [names[0]!]],
    ];
    for (const [path, expected] of pages) {
      await open(viewer, guildPath(path));
      const found = await viewer.evaluate<{ text: string; isolated: boolean }[]>(check);
      const texts = found.map((f) => f.text).join('\n');
      for (const name of expected) expect(texts, path).toContain(name);
      for (const node of found) {
        expect(node.isolated, `${path || '/'}: ${JSON.stringify(node.text)}`).toBe(true);
      }
    }
    await context.close();
  });

  async function firstJoinId(): Promise<number> {
    if (stack.kind === 'postgres') {
      const { db } = await stack.db();
      const [row] = await db.select({ id: memberJoins.id }).from(memberJoins).limit(1);
      return row!.id;
    }
    return 1;
  }
});
