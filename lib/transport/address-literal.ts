// An address given as the host is written in its canonical form before it
// names the host in known_hosts, as ssh does (ssh.c resolve_canonicalize):
// `[0:0::1]` is `::1` and `127.1` is `127.0.0.1`. Otherwise the same server
// under another spelling is a stranger, and accept-new would record a key
// that known_hosts already holds a different one for.
import { SocketAddress } from 'node:net';

/** One part of an inet_aton(3) address: decimal, 0-octal or 0x-hex. */
function atonPart(text: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^0[0-7]*$/.test(text)) return parseInt(text, 8);
  if (/^[1-9][0-9]*$/.test(text)) return Number(text);
  return undefined;
}

// glibc's getaddrinfo(AI_NUMERICHOST) takes IPv4 as inet_aton does: one to
// four parts, the last filling the bytes that are left (`127.1`, `2130706433`).
function canonicalIPv4(text: string): string | undefined {
  const parts = text.split('.').map(atonPart);
  if (parts.length > 4 || parts.some((p) => p === undefined)) return undefined;
  const nums = parts as number[];
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return undefined;
  let value = last;
  nums.forEach((n, i) => { value += n * 2 ** (8 * (3 - i)); });
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function canonicalIPv6(text: string): string | undefined {
  try {
    return new SocketAddress({ address: text, family: 'ipv6' }).address; // inet_ntop's form, as getnameinfo's
  } catch {
    return undefined;
  }
}

// `host` in the form ssh files it under: an IPv4 or IPv6 address rewritten
// canonically (kept as written where only the case differs, as ssh keeps it);
// a name, or an address with a %zone, unchanged.
export function canonicalHost(host: string): string {
  if (host.includes('%')) return host;
  const canonical = host.includes(':') ? canonicalIPv6(host) : /^[0-9a-fA-FxX.]+$/.test(host) ? canonicalIPv4(host) : undefined;
  return canonical === undefined || canonical.toLowerCase() === host.toLowerCase() ? host : canonical;
}
