import type { OptionsService } from '../options/options.service.ts';

/**
 * The groups a user may use (CONTRACT §8): the keys of option UserUsableGroups, plus the user's own group,
 * mapped to their descriptions. Anonymous callers (userGroup null) get the option's groups only.
 */
/**
 * `{group: {ratio, desc}}` for the groups a user may use (New API's /api/user/self/groups): the ratio from
 * option GroupRatio (1 when it has none), the description from UserUsableGroups.
 */
export function groupsWithRatios(
  options: OptionsService,
  userGroup: string | null,
): Record<string, { ratio: number; desc: string }> {
  const ratios = options.json<Record<string, number>>('GroupRatio') ?? {};
  const out: Record<string, { ratio: number; desc: string }> = {};
  for (const [g, desc] of Object.entries(usableGroups(options, userGroup)))
    out[g] = { ratio: typeof ratios[g] === 'number' ? ratios[g] : 1, desc };
  return out;
}

export function usableGroups(options: OptionsService, userGroup: string | null): Record<string, string> {
  const configured = options.json<Record<string, unknown>>('UserUsableGroups');
  const out: Record<string, string> = Object.create(null); // group names are looked up with `in`
  if (configured && typeof configured === 'object' && !Array.isArray(configured))
    for (const [k, v] of Object.entries(configured)) out[k] = typeof v === 'string' ? v : k;
  if (userGroup && !(userGroup in out)) out[userGroup] = userGroup;
  return out;
}
