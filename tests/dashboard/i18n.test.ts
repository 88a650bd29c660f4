import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { de } from '../../dashboard/src/lib/i18n/de';
import { en } from '../../dashboard/src/lib/i18n/en';
import {
  formatDateTime,
  pickLocale,
  translate,
  translatePlural,
} from '../../dashboard/src/lib/i18n';
import { guildIconUrl, initialOf, userAvatarUrl } from '../../dashboard/src/lib/avatar';
import { parseHistoryQuery, historySearch } from '../../dashboard/src/lib/server/history/query';
import { safeNext } from '../../dashboard/src/lib/server/http/safe-next';

describe('dashboard texts', () => {
  it('have the same keys in German and English, none empty', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(de).sort());
    for (const [key, value] of [...Object.entries(de), ...Object.entries(en)]) {
      expect(value.trim(), key).not.toBe('');
    }
  });

  it('are all used: each key appears in the code, literally or through a template like `error.${kind}.title`', () => {
    const root = resolve(import.meta.dirname, '../../dashboard/src');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|svelte)$/.test(entry) && !path.includes(`${join('lib', 'i18n')}`)) {
          files.push(path);
        }
      }
    };
    walk(root);
    const source = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    // Template literals that build keys, e.g. `doctor.${id}.fix` → /^doctor\.[\w-]+\.fix$/.
    const patterns = [...source.matchAll(/`([a-z][\w.]*\$\{[^`]*)`/g)].map(
      ([, text]) =>
        new RegExp(
          `^${text!
            .split(/\$\{[^}]*\}/)
            .map((part) => part.replace(/[.*+?^()|[\]\\]/g, '\\$&'))
            .join('[\\w-]+')}$`,
        ),
    );
    const used = (key: string) => {
      const base = key.replace(/\.(zero|one|two|few|many|other)$/, '');
      return (
        source.includes(`'${key}'`) ||
        (base !== key && source.includes(`'${base}'`)) ||
        patterns.some((p) => p.test(key))
      );
    };
    const unused = Object.keys(de).filter((key) => !used(key));
    expect(unused).toEqual([]);
    expect(files.length).toBeGreaterThan(20);
  });

  it('choose plural forms by the language rules', () => {
    expect(translatePlural('de', 'history.count', 1)).toBe('1 Beitritt');
    expect(translatePlural('de', 'history.count', 0)).toBe('0 Beitritte');
    expect(translatePlural('de', 'history.count', 1234)).toBe('1.234 Beitritte');
    expect(translatePlural('en', 'overview.invites', 1)).toBe('1 invite');
    expect(translatePlural('en', 'overview.invites', 2)).toBe('2 invites');
    // Every plural key has at least the forms German and English need.
    for (const messages of [de, en]) {
      const bases = Object.keys(messages)
        .filter((k) => k.endsWith('.other'))
        .map((k) => k.slice(0, -'.other'.length));
      for (const base of bases) expect(Object.keys(messages)).toContain(`${base}.one`);
    }
  });

  it('fill placeholders', () => {
    expect(translate('de', 'codes.excluded', { code: 'abc' })).toBe(
      'Code abc ist jetzt ausgeschlossen.',
    );
    expect(translate('en', 'pager.position', { page: 2, pages: 5 })).toBe('Page 2 of 5');
  });

  it('pick the language: cookie, then Accept-Language, then German', () => {
    expect(pickLocale('en', 'de-DE')).toBe('en');
    expect(pickLocale(undefined, 'en-US,en;q=0.9,de;q=0.8')).toBe('en');
    expect(pickLocale(undefined, 'fr-FR, de;q=0.5, en;q=0.3')).toBe('de');
    expect(pickLocale(undefined, 'fr-FR')).toBe('de');
    expect(pickLocale('xx', null)).toBe('de');
  });

  it('format times in a time zone, marking UTC', () => {
    const at = '2026-03-05T22:30:00Z';
    expect(formatDateTime('de', at)).toBe('5. März 2026, 22:30 UTC');
    expect(formatDateTime('en', at)).toBe('5 Mar 2026, 22:30 UTC');
    expect(formatDateTime('de', at, 'Europe/Berlin')).toBe('5. März 2026, 23:30');
    expect(formatDateTime('en', at, 'America/New_York')).toBe('5 Mar 2026, 17:30');
  });
});

describe('avatars', () => {
  const id = '400000000000000001';
  const hash = 'a'.repeat(32);
  it("point to the Discord CDN only for hashes in Discord's shape", () => {
    expect(userAvatarUrl(id, hash)).toBe(
      `https://cdn.discordapp.com/avatars/${id}/${hash}.webp?size=64`,
    );
    expect(userAvatarUrl(id, `a_${hash}`, 32)).toContain(`/a_${hash}.webp?size=32`);
    expect(guildIconUrl(id, hash)).toContain(`/icons/${id}/`);
    expect(userAvatarUrl(id, null)).toBeNull();
    expect(userAvatarUrl(id, '../../evil')).toBeNull();
    expect(guildIconUrl(id, 'x')).toBeNull();
  });

  it('fall back to the first letter of the name', () => {
    expect(initialOf('alice')).toBe('A');
    expect(initialOf('\u2068élodie\u2069')).toBe('É');
    expect(initialOf('👩‍👩‍👧 family')).toBe('👩‍👩‍👧');
    expect(initialOf('  ')).toBe('?');
  });
});

describe('history query and redirects', () => {
  it('parses filters and drops invalid ones', () => {
    const q = parseHistoryQuery(
      new URLSearchParams('outcome=left&code=abc-1&inviter=bob&before=1700000000000000_5'),
    );
    expect(q).toMatchObject({
      outcome: 'left',
      code: 'abc-1',
      inviter: 'bob',
      before: { micros: 1700000000000000n, id: 5 },
      invalid: [],
    });
    const bad = parseHistoryQuery(new URLSearchParams('outcome=weird&code=no%20way'));
    expect(bad).toMatchObject({ outcome: null, code: null, invalid: ['outcome', 'code'] });
    expect(historySearch({ outcome: 'exact', code: null, inviter: '' }, { before: 'c' })).toBe(
      '?outcome=exact&before=c',
    );
  });

  it('only redirects to paths on this site', () => {
    expect(safeNext('/servers/1')).toBe('/servers/1');
    expect(safeNext('//evil.example')).toBe('/servers');
    expect(safeNext('https://evil.example')).toBe('/servers');
    expect(safeNext('/\\evil')).toBe('/servers');
    // Browsers drop tabs and newlines while parsing: "/\t/evil" would become "//evil".
    expect(safeNext('/\t/evil.example')).toBe('/servers');
    expect(safeNext('/\n/evil.example')).toBe('/servers');
    expect(safeNext('/\r\n/evil.example')).toBe('/servers');
    expect(safeNext('/servers?tab=1#top')).toBe('/servers?tab=1#top');
    expect(safeNext(null, '/')).toBe('/');
  });
});
