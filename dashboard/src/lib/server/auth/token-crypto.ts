/**
 * Encryption at rest for the user's Discord access token (kept server-side with the session so the
 * dashboard can re-check guild permissions). AES-256-GCM with a key derived from SESSION_SECRET by
 * HKDF-SHA256; the session id is the associated data, so a ciphertext copied into another session
 * row does not decrypt. Layout: version byte (1) | 12-byte IV | 16-byte tag | ciphertext.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function deriveTokenKey(sessionSecret: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', sessionSecret, 'invite-tracker', 'discord-access-token v1', 32),
  );
}

export function encryptToken(key: Buffer, sessionId: string, token: string): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(sessionId, 'utf8'));
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return new Uint8Array(Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]));
}

/** The token, or null when the data was tampered with, belongs to another session or another key. */
export function decryptToken(key: Buffer, sessionId: string, data: Uint8Array): string | null {
  const buf = Buffer.from(data);
  if (buf.length < 1 + IV_BYTES + TAG_BYTES || buf[0] !== VERSION) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(Buffer.from(sessionId, 'utf8'));
    decipher.setAuthTag(buf.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    const body = buf.subarray(1 + IV_BYTES + TAG_BYTES);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
