// An IPv4 client of a dual-stack listener (`--addr [::]:2022`) shows as
// `::ffff:192.0.2.7`. sshd logs and matches such a client by its IPv4
// address (canohost.c, ipv64_normalise_mapped), and so must serve: a
// fail2ban ban of the mapped form is an IPv6 rule that never meets the
// client's IPv4 packets.
import { isIP } from 'node:net';

/** `ip` with an IPv4-mapped IPv6 address written as the IPv4 address it is. */
export function plainAddress(ip: string): string {
  const rest = ip.slice(7);
  return ip.toLowerCase().startsWith('::ffff:') && isIP(rest) === 4 ? rest : ip;
}

/**
 * `address:port` as a session's log lines begin (`backup@[::1]:51234`): an
 * IPv6 address in brackets, as in URLs and ssh's own `[host]:port`, or its
 * last group could not be told from the port.
 */
export function addressPort(ip: string, port: number): string {
  return `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
}
