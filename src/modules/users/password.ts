import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** bcrypt, as New API uses: hashes imported from it keep working. Cost 10 ≈ 60 ms here. */
const COST = 10;

export const hashPassword = (plain: string): Promise<string> => bcrypt.hash(plain, COST);
export const verifyPassword = (plain: string, hash: string): Promise<boolean> => bcrypt.compare(plain, hash);

/** Access tokens are stored as their sha256: a database leak does not hand out dashboard access. */
export const hashAccessToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** 32 url-safe characters from a cryptographic source. */
export const newAccessToken = (): string => randomBytes(24).toString('base64url');
