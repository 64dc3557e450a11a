// The options before a key in authorized_keys (sshd(8) "AUTHORIZED_KEYS FILE
// FORMAT"), as `scpipe serve` keeps them: `from=` and `expiry-time=` narrow
// who may log in and are checked as sshd checks them; options that would
// give the key another meaning (a forced command, a certificate authority)
// cannot be kept by a server that runs only scp and SFTP, so the key is
// refused, as sshd refuses a line whose options it cannot parse.
import { BlockList, isIP } from 'node:net';
import { matchPattern } from '../transport/wildcard';
import { plainAddress } from './plain-address';

/** What a key line's options allow. */
export interface KeyOptions {
  /** Why a login from `ip` at `now` is refused, or undefined when allowed. */
  refusal(ip: string, now: Date): string | undefined;
}

// Options that forbid what serve never does (a pty, forwarding, ~/.ssh/rc,
// environment variables, tunnels), or allow it again after `restrict`.
const NOTHING_TO_DO = new Set([
  'agent-forwarding', 'environment', 'no-agent-forwarding', 'no-port-forwarding', 'no-pty', 'no-touch-required',
  'no-user-rc', 'no-x11-forwarding', 'permitlisten', 'permitopen', 'port-forwarding', 'pty', 'restrict', 'tunnel',
  'user-rc', 'x11-forwarding',
]);

/** Parses the options text before a key (empty: none); `refused` when the key must not be used here. */
export function parseKeyOptions(text: string): KeyOptions | { refused: string } {
  const words = splitOptions(text);
  if (words === undefined) return { refused: 'its options cannot be parsed' };
  let from: string | undefined;
  let expiry: Date | undefined;
  for (const { name, value } of words) {
    if (name === 'from' && value !== undefined) {
      // sshd refuses the line ("multiple "from" clauses"): taking the last
      // one let `from="10.0.0.1",from="*"` in from anywhere.
      if (from !== undefined) return { refused: 'from= is given twice (sshd refuses the line: multiple "from" clauses)' };
      // sshd matches " 10.0.0.1" literally, never; trimmed it let in an address sshd refuses.
      if (/(?:^|,)\s|\s(?:,|$)/.test(value)) return { refused: `from="${value}" has a space around a pattern, which sshd never matches (write the list without spaces)` };
      from = value;
    } else if (name === 'expiry-time' && value !== undefined) {
      const at = parseExpiry(value);
      if (at === undefined) return { refused: `expiry-time="${value}" is not a time sshd reads (YYYYMMDD[HHMM[SS]][Z])` };
      // Given twice, the earliest counts, as in sshd (not the last: a key expired by the first stayed open).
      if (expiry === undefined || at.getTime() < expiry.getTime()) expiry = at;
    } else if (!NOTHING_TO_DO.has(name)) {
      return { refused: `${name}${value === undefined ? '' : '="…"'} cannot be kept by serve, which runs only scp and SFTP` };
    }
  }
  return {
    refusal(ip, now) {
      if (expiry !== undefined && now.getTime() >= expiry.getTime()) return `the key expired at ${expiry.toISOString()} (expiry-time)`;
      if (from !== undefined && !fromAllows(from, ip)) return `the key is not allowed from ${ip} (from="${from}")`;
      return undefined;
    },
  };
}

// `name` and `name="value"`, comma-separated; a value may hold commas and \".
function splitOptions(text: string): { name: string; value?: string }[] | undefined {
  const out: { name: string; value?: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const m = /^[A-Za-z0-9-]+/.exec(text.slice(i));
    if (!m) return undefined;
    const name = m[0].toLowerCase();
    i += m[0].length;
    let value: string | undefined;
    if (text.startsWith('="', i)) {
      i += 2;
      value = '';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && text[i + 1] === '"') i++;
        value += text[i++];
      }
      if (text[i] !== '"') return undefined;
      i++;
    }
    out.push({ name, value });
    if (i < text.length && text[i++] !== ',') return undefined;
  }
  return out;
}

// YYYYMMDD[HHMM[SS]], local time, or UTC with a trailing Z (sshd's parse_absolute_time).
function parseExpiry(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/i.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  return m[7] ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : new Date(y, mo - 1, d, h, mi, s);
}

/**
 * sshd's from= (match_host_and_ip without DNS, as UseDNS no): a pattern
 * list of addresses with `*` and `?`, or CIDR blocks; a match of a `!`
 * pattern refuses, else any match allows. Host names never match an address.
 */
export function fromAllows(patterns: string, ip: string): boolean {
  const address = plainAddress(ip);
  let allowed = false;
  for (const raw of patterns.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).trim().toLowerCase();
    if (!matches(pattern, address)) continue;
    if (negated) return false;
    allowed = true;
  }
  return allowed;
}

function matches(pattern: string, address: string): boolean {
  const slash = pattern.indexOf('/');
  if (slash < 0) return matchPattern(address, pattern);
  const [net, bits] = [pattern.slice(0, slash), Number(pattern.slice(slash + 1))];
  const family = isIP(net);
  if (family === 0 || isIP(address) !== family || !Number.isInteger(bits)) return false;
  const block = new BlockList();
  block.addSubnet(net, bits, family === 4 ? 'ipv4' : 'ipv6');
  return block.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
