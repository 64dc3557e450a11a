// CheckHostIP on a loopback address: ssh leaves it out (sshconnect.c,
// sockaddr_is_local), as a forwarded port on localhost reaches a different
// host each time; so does scpipe, and it records no address line either.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { runCli } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const homeDir = tempDirPerTest('scpipe-test-home-');
let home: string;
let dir: string;

beforeEach(async () => {
  home = homeDir();
  await mkdir(join(home, '.ssh'), { mode: 0o700 });
  dir = await userDir(sshd.rssh, 'chkip');
});

const fakeKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const options = (known: string): string[] => [
  '-o', 'BatchMode=yes', '-o', 'AddressFamily=inet', '-o', 'CheckHostIP=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${known}`,
];

describe('CheckHostIP=yes to a loopback address', () => {
  it('connects as ssh does though another key is recorded for 127.0.0.1, and records no address', async () => {
    const known = join(home, '.ssh', 'known_hosts');
    const real = (await readFile(sshd.knownHostsPath, 'utf8')).trim().split(/\s+/).slice(1).join(' ');
    const text = `[localhost]:${sshd.port} ${real}\n[127.0.0.1]:${sshd.port} ${fakeKey}\n`;
    await writeFile(known, text);
    // OpenSSH's own answer, on the same files: it connects (the command runs).
    const ssh = spawnSync('ssh', ['-F', 'none', ...options(known), '-p', String(sshd.port), '-i', sshd.user.keyPath, `${sshd.user.name}@localhost`, 'true'], { env: { ...process.env, HOME: home }, encoding: 'utf8' });
    expect({ status: ssh.status, stderr: ssh.stderr }).toEqual({ status: 0, stderr: '' });
    const r = await runCli(['put', '-F', 'none', ...options(known), '-P', String(sshd.port), '-i', sshd.rssh.keyPath, `${sshd.rssh.name}@localhost:${dir}/x`], { stdin: 'x', env: { HOME: home } });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readdir(dir)).toEqual(['x']);
    // Nor is a missing address line added (ssh adds none for a loopback address).
    await writeFile(known, `[localhost]:${sshd.port} ${real}\n`);
    const again = await runCli(['put', '-F', 'none', ...options(known), '-P', String(sshd.port), '-i', sshd.rssh.keyPath, `${sshd.rssh.name}@localhost:${dir}/y`], { stdin: 'y', env: { HOME: home } });
    expect(again).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(known, 'utf8')).toBe(`[localhost]:${sshd.port} ${real}\n`);
  });
});
