import type { Client } from 'ssh2';
import { oneChannelEach } from '../../../lib/transport/server-quirks';

const server = (version: string | undefined) => ({ _remoteVer: version }) as unknown as Client;

describe('oneChannelEach (Dropbear bug #321, fixed in 2024.86)', () => {
  it.each(['dropbear_2022.83', 'dropbear_2019.78', 'dropbear_2024.85'])('%s: one channel per connection', (v) => {
    expect(oneChannelEach(server(v))).toBe(`the server is ${v} (before 2024.86 it may close a channel opened as another command ends)`);
  });

  it.each(['dropbear_2024.86', 'dropbear_2025.88', 'OpenSSH_9.2p1', 'dropbear', undefined])('%s: no limit', (v) => {
    expect(oneChannelEach(server(v))).toBeUndefined();
  });

  it('names only the digits it read, never the rest of the server text', () => {
    expect(oneChannelEach(server('dropbear_2020.81\x1b[31m'))).toContain('dropbear_2020.81 (');
  });
});
