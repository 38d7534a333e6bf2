/**
 * Object keys that come from users (option keys, group names, model names) are looked up as own keys
 * only (CONTRACT §10): `__proto__`, `constructor` or `toString` are ordinary unknown names, never the
 * prototype's members.
 */

/** `obj[key]` when `key` is the object's own property, else undefined. */
export function own<T>(obj: Record<string, T> | null | undefined, key: string): T | undefined {
  return obj != null && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** JSON.parse whose objects have no prototype, so that `key in obj` and `obj[key]` see own keys only. */
export function parseJsonDict<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, value) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.assign(Object.create(null), value)
      : value,
  ) as T;
}
