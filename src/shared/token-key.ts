/** How clients send a token key: runtime-free, shared by the relay and the log lookup by key. */

/** Token key from `Authorization: Bearer sk-…` or `x-api-key`, split from an optional channel id. */
export function parseKey(
  authorization: unknown,
  apiKey: unknown,
): { key: string; channel: number | null } | null {
  let raw = typeof authorization === 'string' ? authorization.trim() : '';
  if (/^bearer\s+/i.test(raw)) raw = raw.replace(/^bearer\s+/i, '');
  if (!raw && typeof apiKey === 'string') raw = apiKey.trim();
  if (raw.startsWith('sk-')) raw = raw.slice(3);
  if (!raw) return null;
  const dash = raw.indexOf('-');
  if (dash < 0) return { key: raw, channel: null };
  const channel = Number(raw.slice(dash + 1));
  return { key: raw.slice(0, dash), channel: Number.isInteger(channel) && channel > 0 ? channel : -1 };
}
