/**
 * A token's `allow_ips` (newline or comma list of IPs and IPv4/IPv6 CIDRs) compiled once into a matcher
 * on node:net's BlockList. (The tokens module was to add a shared parser in src/shared/ip-allow.ts; until
 * it exists the relay uses this one.)
 */
import { BlockList, isIP } from 'node:net';

export type IpMatcher = (ip: string) => boolean;

export function compileAllowIps(list: string): IpMatcher | null {
  const entries = list
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) return null;
  const block = new BlockList();
  for (const e of entries) {
    const [addr, bits] = e.split('/');
    const family = isIP(addr) === 6 ? 'ipv6' : isIP(addr) === 4 ? 'ipv4' : null;
    if (!family) continue;
    if (bits === undefined) block.addAddress(addr, family);
    else block.addSubnet(addr, Number(bits), family);
  }
  return (ip) => {
    const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    const family = isIP(v4);
    if (family === 0) return false;
    return block.check(v4, family === 6 ? 'ipv6' : 'ipv4');
  };
}
