import { describe, expect, it } from 'vitest';
import {
  decryptToken,
  deriveTokenKey,
  encryptToken,
} from '../../dashboard/src/lib/server/auth/token-crypto';

describe('Discord token encryption at rest', () => {
  const key = deriveTokenKey('x'.repeat(40));

  it('round-trips, with a fresh IV each time', () => {
    const a = encryptToken(key, 'session-a', 'secret-token');
    const b = encryptToken(key, 'session-a', 'secret-token');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(decryptToken(key, 'session-a', a)).toBe('secret-token');
    expect(Buffer.from(a).toString('latin1')).not.toContain('secret-token');
  });

  it('refuses another session id, another key, and tampered data', () => {
    const data = encryptToken(key, 'session-a', 'secret-token');
    expect(decryptToken(key, 'session-b', data)).toBeNull();
    expect(decryptToken(deriveTokenKey('y'.repeat(40)), 'session-a', data)).toBeNull();
    const tampered = new Uint8Array(data);
    tampered[tampered.length - 1]! ^= 1;
    expect(decryptToken(key, 'session-a', tampered)).toBeNull();
    expect(decryptToken(key, 'session-a', new Uint8Array(5))).toBeNull();
  });

  it('derives a 32-byte key deterministically from the secret', () => {
    expect(deriveTokenKey('z'.repeat(32))).toHaveLength(32);
    expect(deriveTokenKey('z'.repeat(32)).equals(deriveTokenKey('z'.repeat(32)))).toBe(true);
  });
});
