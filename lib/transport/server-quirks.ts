// Servers that need a client to hold back. Dropbear before 2024.86 closes a
// session channel whose command has not started when another command of the
// connection exits at that moment (its bug #321, fixed by commit 71521d1b),
// and then dies on an assertion if the command starts after all: parts sent
// over several channels of one connection lost the connection at random.
// One channel per connection at a time avoids it (ssh runs one per process).
import type { Client } from 'ssh2';

/** Why `client`'s server should get one channel per connection at a time, or undefined. */
export function oneChannelEach(client: Client): string | undefined {
  const version = (client as unknown as { _remoteVer?: string })._remoteVer ?? '';
  const m = /^dropbear_(\d{4})\.(\d+)/.exec(version);
  if (!m || Number(m[1]) * 1000 + Number(m[2]) >= 2024086) return undefined;
  return `the server is dropbear_${m[1]}.${m[2]} (before 2024.86 it may close a channel opened as another command ends)`;
}
