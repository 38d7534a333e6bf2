/** MySQL ER_LOCK_DEADLOCK, PostgreSQL deadlock_detected / serialization_failure. */
export function isDeadlock(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e?.errno === 1213 || e?.code === 'ER_LOCK_DEADLOCK' || e?.code === '40P01' || e?.code === '40001';
}

/** Runs `work` again when the engine picked it as a deadlock victim (it was rolled back whole). */
export async function withDeadlockRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= 4 || !isDeadlock(err)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

export const chunks = <T>(xs: readonly T[], n = 500): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
