import { randomBytes } from 'node:crypto';

/**
 * Request ids (logs, `X-Request-Id`): 24 hex characters, a random prefix per process then a counter.
 * Unique across instances without a random draw per request (randomBytes was 2 % of a relay call's CPU);
 * nothing relies on them being unguessable.
 */
export function requestIds(): () => string {
  const prefix = randomBytes(6).toString('hex');
  let n = 0;
  return () => {
    n = (n + 1) % 0x1000000000000;
    return prefix + n.toString(16).padStart(12, '0');
  };
}
