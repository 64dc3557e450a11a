// `scpipe serve` on [::1] with OpenSSH's own clients: it listens there, its
// per-address cap counts the IPv6 client, and its log lines name the address
// so that a reader can split it from the port (`backup@[::1]:51234`, where
// `backup@::1:51234` could be the address ::1:51234).
import { readFile, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { hasIpv6Loopback } from '../../testkit/sshd-config';
import { waitFor } from '../helpers/async';
import { runProgram } from '../helpers/run-program';
import { servePerSuite } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite(['--max-per-address', '1'], {}, '::1');
const localDir = tempDirPerTest('scpipe-test-v6local-');

beforeAll(() => {
  // Failing, not skipped: a skipped test proves nothing.
  if (!hasIpv6Loopback()) throw new Error('this test needs IPv6 loopback (::1 on lo): `sysctl -w net.ipv6.conf.lo.disable_ipv6=0`, or a container with IPv6 enabled');
});

const sftp = (batch: string): ReturnType<typeof runProgram> => runProgram('sftp', ['-q', ...serve.sshArgs(), '-b', '-', '[::1]'], batch);
const scpO = (...args: string[]): ReturnType<typeof runProgram> => runProgram('scp', ['-q', '-O', ...serve.sshArgs(), ...args]);

describe('serve on [::1]', () => {
  it('takes sftp and scp -O uploads, and logs each with the address in brackets', async () => {
    const file = join(localDir(), 'f');
    await writeFile(file, 'six');
    expect(await sftp(`put ${file} /v6\n`)).toMatchObject({ status: 0, stderr: '' });
    expect(await scpO(file, '[::1]:/v6o')).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(serve.root, 'v6'), 'utf8')).toBe('six');
    expect(await readFile(join(serve.root, 'v6o'), 'utf8')).toBe('six');
    const log = serve.log();
    expect(log).toMatch(/^scpipe: Accepted publickey for backup from ::1 port \d+ ssh2: ED25519 SHA256:/m);
    expect(log).toMatch(/^scpipe: backup@\[::1\]:\d+ key SHA256:\S+ sftp upload \/v6 3 bytes ok$/m);
    expect(log).toMatch(/^scpipe: backup@\[::1\]:\d+ key SHA256:\S+ upload \/v6o 3 bytes ok$/m);
    expect(log).not.toMatch(/@::1:/);
  });

  it('counts an IPv6 client against --max-per-address', async () => {
    // One connection from ::1 that never logs in holds the only slot.
    const holder = new Socket();
    holder.on('error', () => undefined);
    let greeted = '';
    holder.on('data', (d: Buffer) => (greeted += d.toString('latin1')));
    holder.connect({ port: serve.port, host: '::1' }, () => holder.write('SSH-2.0-holder\r\n'));
    await waitFor(() => greeted.startsWith('SSH-2.0-'), 'serve to greet the holder');
    const refused = await sftp('ls /\n');
    expect(refused.status).toBe(255);
    const dropped = /^scpipe: drop connection from ::1 port \d+: 1 unauthenticated connections from this address \(--max-per-address\)$/m;
    await waitFor(() => dropped.test(serve.log()), 'the drop logged');
    holder.destroy();
    // Its slot is given back once serve sees it gone.
    await waitFor(async () => (await sftp('ls /\n')).status === 0, 'a login once the holder left', 20_000);
  });
});
