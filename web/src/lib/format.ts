/** Display helpers: quota → USD, Unix seconds → local date-time. */
export function formatQuota(quota: number, quotaPerUnit = 500000, inCurrency = true): string {
  if (!inCurrency) return quota.toLocaleString();
  const usd = quota / (quotaPerUnit || 500000);
  return `$${usd.toFixed(usd !== 0 && Math.abs(usd) < 0.01 ? 6 : 4)}`;
}

export function formatTime(sec: number): string {
  if (!sec) return '-';
  const d = new Date(sec * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export const nowSec = () => Math.floor(Date.now() / 1000);

export function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** A short stable hash of a string (notice "seen" marker). */
export function hashText(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h << 5) + h + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
