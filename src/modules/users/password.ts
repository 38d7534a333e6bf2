import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** bcrypt, as New API uses: hashes imported from it keep working. Cost 10 ≈ 60 ms here. */
const COST = 10;

export const hashPassword = (plain: string): Promise<string> => bcrypt.hash(plain, COST);
export const verifyPassword = (plain: string, hash: string): Promise<boolean> => bcrypt.compare(plain, hash);

let dummy: Promise<string> | null = null;
/**
 * Checks a password against a hash made at start for no one: a login for an unknown user costs what a
 * wrong password costs (CONTRACT §10), so answer times do not tell which names exist.
 */
export async function verifyAgainstNobody(plain: string): Promise<false> {
  dummy ??= hashPassword(newAccessToken());
  await bcrypt.compare(plain, await dummy);
  return false;
}

export { hashAccessToken } from '../../http/access-token.ts';

/** 32 url-safe characters from a cryptographic source. */
export const newAccessToken = (): string => randomBytes(24).toString('base64url');
