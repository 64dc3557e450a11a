// A reconnection through a ProxyJump host is held to the hop's key this run
// accepted at its first connection, as the destination's is: with no
// known_hosts line to hold it (UserKnownHostsFile /dev/null), another key
// at the hop was taken on trust in the middle of a run.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectSsh2 } from '../../lib/transport/ssh2-transport';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { rejection } from '../helpers/async';

const sshd = sshdPerSuite();
const jump = sshdPerSuite({ jumpHost: true });
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scpipe-test-jump-key-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// An ed25519 public key blob that is not the jump host's.
function otherKey(): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const len = (n: number): Buffer => Buffer.from([0, 0, 0, n]);
  return Buffer.concat([len(type.length), type, len(32), randomBytes(32)]);
}

it('a reconnection refuses a jump host whose key differs from the one the run accepted: ERR_HOST_KEY_CHANGED, naming the hop', async () => {
  const cfg = join(dir, 'ssh_config');
  await writeFile(cfg, [
    'Host jumphost',
    '  HostName 127.0.0.1',
    `  Port ${jump.port}`,
    `  User ${jump.user.name}`,
    `  IdentityFile ${jump.user.keyPath}`,
    '  UserKnownHostsFile /dev/null',
    '  StrictHostKeyChecking accept-new',
    'Host *',
    '  GlobalKnownHostsFile /dev/null',
    '  IdentityAgent none',
    '  BatchMode yes',
    '',
  ].join('\n'));
  const hop = `[127.0.0.1]:${jump.port}`;
  const hostKeys = new Map([[hop, otherKey()]]);
  const err = await rejection(connectSsh2({
    host: '127.0.0.1', port: sshd.port, user: sshd.rssh.name, identityFiles: [sshd.rssh.keyPath], configFile: cfg,
    options: [`UserKnownHostsFile=${sshd.knownHostsPath}`, 'StrictHostKeyChecking=yes', 'ProxyJump=jumphost'],
    hostKeys, reconnection: true,
  }));
  expect(err.code).toBe('ERR_HOST_KEY_CHANGED');
  expect(err.message).toContain(`REMOTE HOST IDENTIFICATION HAS CHANGED for ${hop}`);
});
