import { describe, expect, it } from 'vitest';
import { loginUrl, safeNext } from '../../dashboard/src/lib/server/http/safe-next';
import { COLLAPSING, OPEN_REDIRECT_CORPUS, staysOnOrigin } from './open-redirect-corpus';

const ORIGIN = 'https://dash.example.org';

describe('safe redirect targets', () => {
  it('refuses paths that collapse to another host once resolved', () => {
    for (const value of COLLAPSING) expect(safeNext(value), value).toBe('/servers');
  });

  it('never returns a target that leaves the origin, and what it returns it accepts unchanged', () => {
    for (const value of OPEN_REDIRECT_CORPUS) {
      const next = safeNext(value);
      expect(staysOnOrigin(next, ORIGIN), `${JSON.stringify(value)} → ${next}`).toBe(true);
      expect(safeNext(next), JSON.stringify(value)).toBe(next);
    }
  });

  it('keeps paths on this site, with their query and fragment', () => {
    expect(safeNext('/servers/123456789012345678/history?outcome=left#list')).toBe(
      '/servers/123456789012345678/history?outcome=left#list',
    );
    expect(safeNext('/servers/1/../2')).toBe('/servers/2');
    expect(safeNext('/ä')).toBe('/%C3%A4');
    expect(safeNext('', '/')).toBe('/');
  });
});

describe('login redirects', () => {
  it('carry only a safe target to come back to', () => {
    expect(loginUrl('/servers/123456789012345678/codes?x=1')).toBe(
      `/login?next=${encodeURIComponent('/servers/123456789012345678/codes?x=1')}`,
    );
    expect(loginUrl('/.//evil.example')).toBe(`/login?next=${encodeURIComponent('/servers')}`);
  });
});
