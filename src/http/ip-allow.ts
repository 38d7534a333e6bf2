/**
 * A token's `allow_ips` (newline or comma list of IPs and IPv4/IPv6 CIDRs): validated when a token is
 * saved (allowIpsError) and compiled once per cached token into a matcher on node:net's BlockList.
 */
import { BlockList, isIP } from 'node:net';

export type IpMatcher = (ip: string) => boolean;

interface Entry {
  addr: string;
  family: 'ipv4' | 'ipv6';
  bits: number | null;
}

function splitList(list: string): string[] {
  return list
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** One entry, or the reason it is not an IP or CIDR. */
function parseEntry(text: string): Entry | string {
  const [addr, bits, extra] = text.split('/');
  const v = isIP(addr);
  if (v === 0 || extra !== undefined) return `"${text.slice(0, 64)}" is not an IP address or CIDR`;
  const family = v === 6 ? 'ipv6' : 'ipv4';
  if (bits === undefined) return { addr, family, bits: null };
  const max = v === 6 ? 128 : 32;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max)
    return `"${text.slice(0, 64)}" has a prefix length outside 0–${max}`;
  return { addr, family, bits: Number(bits) };
}

/** null when every entry is an IP or CIDR, else the first problem. */
export function allowIpsError(list: string): string | null {
  for (const e of splitList(list)) {
    const parsed = parseEntry(e);
    if (typeof parsed === 'string') return parsed;
  }
  return null;
}

export function compileAllowIps(list: string): IpMatcher | null {
  const entries = splitList(list);
  if (entries.length === 0) return null;
  const block = new BlockList();
  for (const text of entries) {
    const e = parseEntry(text);
    // rows saved before validation existed: a bad entry allows nobody rather than failing the call
    if (typeof e === 'string') continue;
    if (e.bits === null) block.addAddress(e.addr, e.family);
    else block.addSubnet(e.addr, e.bits, e.family);
  }
  return (ip) => {
    const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    const family = isIP(v4);
    if (family === 0) return false;
    return block.check(v4, family === 6 ? 'ipv6' : 'ipv4');
  };
}
