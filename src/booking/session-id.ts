/**
 * Guest session ids: Crockford base32, 12 characters = 60 bits of an HMAC keyed by the bot token
 * (sessionIdFor, what bookings use) or of a CSPRNG (newSessionId), so guessing a live
 * guest page is hopeless and 100k draws never collide in practice. The id doubles as the booking id
 * and the `externalId` sent to the dashboard and SCC.
 */
import { createHmac, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const SESSION_ID_LENGTH = 12;
const MIN_LENGTH = 10;
const MAX_LENGTH = 26;

function encode(bytes: Uint8Array): string {
  // 256 is a multiple of 32, so the low five bits of each byte are uniform.
  let id = '';
  for (const byte of bytes.subarray(0, SESSION_ID_LENGTH)) id += ALPHABET[byte & 31];
  return id;
}

export function newSessionId(): string {
  return encode(randomBytes(SESSION_ID_LENGTH));
}

/**
 * The same id every time for the same `key` (e.g. a modal's view id, so a redelivered submission
 * makes no second booking), and as unguessable as a random one to anyone without `secret`.
 */
export function sessionIdFor(key: string, secret: string): string {
  return encode(createHmac('sha256', secret).update(key).digest());
}

/**
 * Normalises a typed or pasted id (any case, Crockford's look-alikes I/L→1 and O→0, hyphens) to the
 * canonical upper-case form; undefined if it is not an id.
 */
export function parseSessionId(text: string): string | undefined {
  const normalised = text
    .trim()
    .toUpperCase()
    .replace(/-/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  if (normalised.length < MIN_LENGTH || normalised.length > MAX_LENGTH) return undefined;
  for (const ch of normalised) if (!ALPHABET.includes(ch)) return undefined;
  return normalised;
}

export function isSessionId(text: string): boolean {
  return parseSessionId(text) === text;
}
