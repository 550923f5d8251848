import { createHmac, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keyLength: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * Keyed SHA-256 (HMAC with the server's pepper) of a high-entropy secret: device tokens and
 * enrollment codes. They are random, so a fast hash suffices; the pepper means a copy of the
 * database alone does not let anyone test guesses.
 */
export function hashSecret(secret: string, pepper: string): string {
  return createHmac('sha256', pepper).update(secret, 'utf8').digest('hex');
}

/** 32 random bytes, base64url: what a terminal sends as `Authorization: Bearer <token>`. */
export function generateDeviceToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Crockford's base32 alphabet: no I, L, O, U, so a code read aloud is not misheard. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 12 characters (60 bits) shown as XXXX-XXXX-XXXX. */
export function generateEnrollmentCode(): string {
  const chars = Array.from({ length: 12 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8).join('')}`;
}

/** How a typed code is compared: case and separators do not matter. */
export function normalizeEnrollmentCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

/** scrypt cost for staff PINs: 2^15 × 8 × 1 ≈ 32 MiB and tens of ms per attempt. */
export const PIN_SCRYPT = { N: 32_768, r: 8, p: 1, keyLength: 32 } as const;

/**
 * A slow salted PIN hash in the protocol's format 'scrypt$N$r$p$saltB64$hashB64'. PINs are
 * short, so the slowness (and the terminal's lock-out) is what protects them.
 */
export async function hashPin(pin: string, params = PIN_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(pin, salt, params.keyLength, {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r,
  });
  return [
    'scrypt',
    params.N,
    params.r,
    params.p,
    salt.toString('base64'),
    hash.toString('base64'),
  ].join('$');
}

export async function verifyPin(pin: string, pinHash: string): Promise<boolean> {
  const [scheme, n, r, p, saltB64, hashB64] = pinHash.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const actual = await scryptAsync(pin, Buffer.from(saltB64, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 256 * Number(n) * Number(r),
  });
  return timingSafeEqual(actual, expected);
}
