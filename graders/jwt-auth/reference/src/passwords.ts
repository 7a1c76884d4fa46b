import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// scrypt from Node itself (no native addon to build): N = 2^14, r = 8, p = 1 (OWASP's floor),
// 16 MiB and ~40 ms of one core per hash. Stored as the PHC string the README names.
const LN = 14;
const R = 8;
const P = 1;
const KEYLEN = 32;
const MAXMEM = 64 * 1024 * 1024;

const derive = (password: string, salt: Buffer, ln: number, r: number, p: number) =>
  new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, KEYLEN, { N: 2 ** ln, r, p, maxmem: MAXMEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });

/** A salted scrypt hash: `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64, no padding). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, LN, R, P);
  return `$scrypt$ln=${LN},r=${R},p=${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Compare in constant time; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (!m) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const key = await derive(
    password,
    Buffer.from(m[4]!, 'base64url'),
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash to check unknown emails against, so they cost the same time as a wrong password. */
export const decoyHash = hashPassword(randomBytes(16).toString('hex'));
