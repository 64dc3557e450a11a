import { execFileSync } from 'node:child_process';
import { canonicalHost } from '../../../lib/transport/address-literal';

// What `ssh -G` prints as the hostname: the canonical form ssh looks known_hosts up by.
function sshHostname(host: string): string {
  const out = execFileSync('ssh', ['-G', '-F', 'none', host], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return /^hostname (.*)$/m.exec(out)![1];
}

describe('canonicalHost', () => {
  // (A name is put in lower case before, by hostnameOf.)
  it('writes an address as ssh -G does, and leaves names and near-addresses alone', () => {
    const hosts = [
      '0:0:0:0:0:0:0:1', '0::1', '::0001', '2001:DB8:0:0::1', '::FFFF:7f00:1', '::FFFF:127.0.0.1', 'ABC::1', 'FE80::1%lo',
      '127.1', '127.000.000.001', '0177.0.0.1', '0x7f.1', '2130706433', '12345',
      '127.0.0.1.', '1.2.3.4.5', '4294967296', '256.1', '08.1', '1.0x', 'abc', 'deadbeef', 'host.example',
    ];
    expect(hosts.map(canonicalHost)).toEqual(hosts.map(sshHostname));
    expect(canonicalHost('0::1')).toBe('::1');
    expect(canonicalHost('127.1')).toBe('127.0.0.1');
  });
});
