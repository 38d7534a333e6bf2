import type { OptionsService } from '../options/options.service.ts';

/**
 * The groups a user may use (SPEC §8): the keys of option UserUsableGroups, plus the user's own group,
 * mapped to their descriptions. Anonymous callers (userGroup null) get the option's groups only.
 */
export function usableGroups(options: OptionsService, userGroup: string | null): Record<string, string> {
  const configured = options.json<Record<string, unknown>>('UserUsableGroups');
  const out: Record<string, string> = Object.create(null); // group names are looked up with `in`
  if (configured && typeof configured === 'object' && !Array.isArray(configured))
    for (const [k, v] of Object.entries(configured)) out[k] = typeof v === 'string' ? v : k;
  if (userGroup && !(userGroup in out)) out[userGroup] = userGroup;
  return out;
}
