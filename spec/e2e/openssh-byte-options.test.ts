// `--transport openssh` with -i and -F paths that are not UTF-8 (Latin-1
// bytes): ssh gets each path's bytes, both for the transfer and for the
// `ssh -G` that tells which keepalive scpipe adds where the user set none.
import { chmod, copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { endlessInput, runCli, startCli } from '../helpers/cli';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { rsshSidesPerTest } from '../helpers/rssh-sides';
import { exitOnStalledServer } from '../helpers/drop-connections';
import { BYTE_ARGS, byteArg, bytes } from '../helpers/latin1-tree';

const sshd = sshdPerSuite();
const sides = rsshSidesPerTest(sshd, 'openssh-bytes');

// The key and a config at Latin-1 paths; the config sets no keepalive and no BatchMode (whose keepalive is 300 s).
async function latin1Flags(): Promise<string[]> {
  const key = join(sides.local, 'k\xe9y');
  await copyFile(sshd.rssh.keyPath, bytes(key));
  await chmod(bytes(key), 0o600);
  const conf = join(sides.local, 'c\xf6nf');
  await writeFile(bytes(conf), `Host *\n  Port ${sshd.port}\n  UserKnownHostsFile ${sshd.knownHostsPath}\n  StrictHostKeyChecking yes\n`);
  return ['--transport', 'openssh', '-F', byteArg(conf), '-i', byteArg(key)];
}

describe('--transport openssh: -i and -F paths that are not UTF-8', () => {
  it('get: ssh reads the key and the config of those bytes', async () => {
    await sides.remoteFile('f', 'hello');
    const r = await runCli(['get', ...(await latin1Flags()), sides.at(`${sides.rdir}/f`)], { wrapper: BYTE_ARGS });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.toString()).toBe('hello');
  });

  it('a server that stops answering ends the run (ServerAliveInterval 15 s added, as with a UTF-8 -F)', async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const endless = endlessInput();
    const args = ['put', ...(await latin1Flags()), '-o', 'ServerAliveCountMax=1', '-s', '--retries', '0', sides.at(`${sides.rdir}/stalled`)];
    const run = startCli(args, { stdin: endless, wrapper: BYTE_ARGS, timeoutMs: 50_000 });
    const r = await exitOnStalledServer(sshd, sides.rdir, run, endless);
    expect(r.status).toBe(1);
    expect(r.ms).toBeLessThan(45_000);
  }, 60_000);
});
