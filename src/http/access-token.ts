import { createHash } from 'node:crypto';

/** Access tokens are stored as their sha256: a database leak does not hand out dashboard access. */
export const hashAccessToken = (token: string): string => createHash('sha256').update(token).digest('hex');
