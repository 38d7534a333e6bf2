/** Validates a JSON editor's text: null when fine (empty counts as fine when allowed), else the reason. */
export function jsonError(
  text: string,
  shape: 'object' | 'array' = 'object',
  allowEmpty = true,
): string | null {
  if (!text.trim()) return allowEmpty ? null : 'empty';
  try {
    const v = JSON.parse(text) as unknown;
    if (shape === 'array' ? !Array.isArray(v) : typeof v !== 'object' || v === null || Array.isArray(v))
      return `expected a JSON ${shape}`;
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
