/**
 * Session tokens in Lucia's pattern: `id.secret`, two random strings of 24 characters from a
 * 32-letter alphabet (120 bits each). The id finds the row; only SHA-256(secret) is stored, and it is
 * compared in constant time, so a leaked database does not yield usable cookies.
 */
import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const TOKEN_PART = /^[abcdefghijkmnpqrstuvwxyz23456789]{24}$/;

/** 24 characters, 5 random bits each (the alphabet has 32 letters: no bias). */
export function randomString(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte >> 3];
  return out;
}

export function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

export type SessionToken = { id: string; secret: string; token: string };

export function generateSessionToken(): SessionToken {
  const id = randomString();
  const secret = randomString();
  return { id, secret, token: `${id}.${secret}` };
}

export function parseSessionToken(token: string | undefined | null): {
  id: string;
  secret: string;
} | null {
  if (!token) return null;
  const [id, secret, ...rest] = token.split('.');
  if (rest.length > 0 || !id || !secret || !TOKEN_PART.test(id) || !TOKEN_PART.test(secret)) {
    return null;
  }
  return { id, secret };
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  const hash = hashSecret(secret);
  return hash.length === storedHash.length && constantTimeEqual(hash, storedHash);
}
