import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { getGuildSettings, updateGuildSettings } from '../../db/queries/settings';
import { DEFAULT_TEMPLATES } from '../../db/shared/templates';
import { createTestDb, dbKinds, type TestDb, storeGuild } from '../helpers/db';

const ADMIN = '300000000000000001';
let nextGuild = 100000000000000000n;
function newGuildId(): string {
  nextGuild += 1n;
  return String(nextGuild);
}

describe.each(dbKinds)('guild settings on %s', (kind) => {
  let handle: TestDb;
  beforeAll(async () => {
    handle = await createTestDb(kind);
  });
  afterAll(() => handle.dispose());

  async function guild(): Promise<string> {
    const id = newGuildId();
    await storeGuild(handle.db, id);
    return id;
  }

  it('defaults to German templates, XP 50, no log channel and no DMs', async () => {
    const settings = await getGuildSettings(handle.db, await guild());
    expect(settings).toMatchObject({
      logChannelId: null,
      dmInviter: false,
      xpPerInvite: 50,
      locale: 'de',
      customTemplates: {
        log: false,
        logUndecided: false,
        dm: false,
        logFake: false,
        leave: false,
      },
    });
    expect(settings.templates.log).toBe(
      '{member} wurde von {inviter} eingeladen. Einladungs-Count: {count}',
    );
  });

  it('stores a partial update and keeps the other fields', async () => {
    const id = await guild();
    await updateGuildSettings(
      handle.db,
      id,
      { xpPerInvite: 75, logChannelId: '200000000000000001' },
      ADMIN,
    );
    const after = await updateGuildSettings(handle.db, id, { dmInviter: true }, ADMIN);
    expect(after).toMatchObject({
      xpPerInvite: 75,
      logChannelId: '200000000000000001',
      dmInviter: true,
      updatedBy: ADMIN,
    });
    expect(await getGuildSettings(handle.db, id)).toEqual(after);
  });

  it('switches untouched templates with the locale, keeps edited ones, resets on null', async () => {
    const id = await guild();
    await updateGuildSettings(
      handle.db,
      id,
      { dmTemplate: 'Danke {inviter}! {member} ist da.' },
      ADMIN,
    );
    const en = await updateGuildSettings(handle.db, id, { locale: 'en' }, ADMIN);
    expect(en.templates.log).toBe(DEFAULT_TEMPLATES.en.log);
    expect(en.templates.dm).toBe('Danke {inviter}! {member} ist da.');
    expect(en.customTemplates).toEqual({
      log: false,
      logUndecided: false,
      dm: true,
      logFake: false,
      leave: false,
    });
    const reset = await updateGuildSettings(handle.db, id, { dmTemplate: null }, ADMIN);
    expect(reset.templates.dm).toBe(DEFAULT_TEMPLATES.en.dm);
  });

  it.each([
    [{ xpPerInvite: -1 }],
    [{ xpPerInvite: 1.5 }],
    [{ locale: 'fr' }],
    [{ logChannelId: '12; drop table guilds' }],
    [{ logTemplate: '' }],
    [{ logTemplate: 'x'.repeat(1001) }],
    [{ logTemplate: '{member} {evil}' }],
    [{ unknownField: true }],
  ])('rejects %o and stores nothing', async (patch) => {
    const id = await guild();
    await updateGuildSettings(handle.db, id, { xpPerInvite: 60 }, ADMIN);
    await expect(updateGuildSettings(handle.db, id, patch as never, ADMIN)).rejects.toBeInstanceOf(
      ZodError,
    );
    expect((await getGuildSettings(handle.db, id)).xpPerInvite).toBe(60);
  });
});
