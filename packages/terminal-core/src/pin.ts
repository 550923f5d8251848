/**
 * Staff PINs: a slow salted scrypt hash in the protocol's format 'scrypt$N$r$p$saltB64$hashB64'
 * (the server's `hashPin` writes the same). @noble/hashes runs in the renderer as in Node, where
 * node:crypto is not available.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { PIN_HASH_PATTERN } from '@tillpoint/protocol';
import type { RandomSource } from './ids.js';

export const PIN_PATTERN = /^\d{4,8}$/;

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly keyLength: number;
}

/** As the server's default: 2^15 × 8 × 1 (32 MiB). */
export const DEFAULT_PIN_SCRYPT: ScryptParams = { N: 32_768, r: 8, p: 1, keyLength: 32 };

/** Refuse to run a stored hash asking for more than this (a hostile document must not hang us). */
const MAX_N = 1 << 20;

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export async function hashPin(
  pin: string,
  random: RandomSource,
  params: ScryptParams = DEFAULT_PIN_SCRYPT,
): Promise<string> {
  if (!PIN_PATTERN.test(pin)) throw new RangeError('a PIN is 4 to 8 digits');
  const salt = random(new Uint8Array(16));
  const hash = await scryptAsync(encoder.encode(pin), salt, {
    N: params.N,
    r: params.r,
    p: params.p,
    dkLen: params.keyLength,
    maxmem: 256 * params.N * params.r + 1024,
  });
  return ['scrypt', params.N, params.r, params.p, toBase64(salt), toBase64(hash)].join('$');
}

/** Whether `pin` matches `pinHash`; false for a hash that is malformed or absurdly expensive. */
export async function verifyPin(pin: string, pinHash: string): Promise<boolean> {
  if (!PIN_HASH_PATTERN.test(pinHash)) return false;
  const [, n, r, p, saltB64, hashB64] = pinHash.split('$') as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const N = Number(n);
  if (N > MAX_N || (N & (N - 1)) !== 0 || N < 2) return false;
  const expected = fromBase64(hashB64);
  const actual = await scryptAsync(encoder.encode(pin), fromBase64(saltB64), {
    N,
    r: Number(r),
    p: Number(p),
    dkLen: expected.length,
    maxmem: 256 * N * Number(r) + 1024,
  });
  // Constant-time comparison: every byte is looked at whatever the first difference.
  let difference = actual.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) difference |= (actual[i] ?? 0) ^ expected[i]!;
  return difference === 0;
}
