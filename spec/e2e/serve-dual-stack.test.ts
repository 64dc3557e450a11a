// Listening on [::] (both IPv4 and IPv6), serve logged an IPv4 client as
// `::ffff:127.0.0.1`. sshd logs the IPv4 address; a fail2ban ban of the
// mapped form is an IPv6 rule that never meets the client's IPv4 packets.
import { appendFile, readFile } from 'node:fs/promises';
import { hasIpv6Loopback } from '../helpers/sshd';
import { startServe, sftpBatch, type TestServe } from '../helpers/serve';
import { runProgram } from '../helpers/run-program';

describe('serve on [::]', () => {
  let serve: TestServe;
  beforeAll(async () => {
    // Failing, not skipped: a skipped test proves nothing.
    if (!hasIpv6Loopback()) throw new Error('this test needs IPv6 loopback (::1 on lo): `sysctl -w net.ipv6.conf.lo.disable_ipv6=0`, or a container with IPv6 enabled');
    serve = await startServe([], {}, '::');
    const hostKey = (await readFile(`${serve.dir}/host_key.pub`, 'utf8')).split(' ');
    await appendFile(serve.knownHostsPath, `[127.0.0.1]:${serve.port} ${hostKey[0]} ${hostKey[1]}\n`);
  });
  afterAll(async () => {
    await serve?.stop();
  });

  it('logs an IPv4 client by its IPv4 address, as sshd does', async () => {
    expect((await sftpBatch(serve, ['ls /'])).status).toBe(0);
    const wrongKey = serve.sshArgs().map((a) => (a === serve.keyPath ? `${serve.dir}/host_key` : a));
    expect((await runProgram('sftp', ['-q', ...wrongKey, '-b', '-', '127.0.0.1'], 'ls /\n')).status).toBe(255);
    const log = serve.log();
    expect(log).toMatch(/^scpipe: Accepted publickey for backup from 127\.0\.0\.1 port \d+ ssh2: /m);
    expect(log).toMatch(/^scpipe: Failed publickey for backup from 127\.0\.0\.1 port \d+ ssh2: /m);
    expect(log).not.toContain('::ffff:');
  });
});
