// A client with no usual user environment: a container run with an arbitrary
// uid (no passwd entry), a cron or systemd unit without HOME or USER. Run
// through setpriv as a uid nobody has, with a copy of the key it may read.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliForAnyUserPerSuite } from '../helpers/cli-for-any-user';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-clientenv-');
const UID = 54321;

const copy = cliForAnyUserPerSuite();
let cli: string;
beforeAll(() => {
  if (spawnSync('getent', ['passwd', String(UID)]).status === 0) throw new Error(`uid ${UID} has a passwd entry here: this test needs one that has none`);
  cli = copy();
  expect(spawnSync('setpriv', ['--reuid', String(UID), '--regid', String(UID), '--clear-groups', process.execPath, cli, '--version'], { encoding: 'utf8' }).stderr).toBe('');
});

let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.user, 'clientenv');
});

// `scpipe put` as UID in `cwd`, with exactly `env` (no HOME or USER unless given).
function putAs(env: Record<string, string>, target: string, cwd: string): { status: number | null; stderr: string } {
  const key = join(cwd, 'key');
  copyFileSync(sshd.user.keyPath, key);
  chownSync(cwd, UID, UID);
  chownSync(key, UID, UID);
  chmodSync(key, 0o600);
  const r = spawnSync('setpriv', [
    '--reuid', String(UID), '--regid', String(UID), '--clear-groups',
    process.execPath, cli, 'put', '-P', String(sshd.port), '-i', key, '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, '-o', 'BatchMode=yes', target,
  ], { input: 'data', encoding: 'utf8', cwd, env: { PATH: process.env.PATH!, ...env }, timeout: 30000 });
  return { status: r.status, stderr: r.stderr };
}

describe('a client without a passwd entry', () => {
  it('with HOME set, works as any user', () => {
    const r = putAs({ HOME: local() }, `${sshd.user.name}@127.0.0.1:${dir}/with-home`, local());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'with-home'), 'utf8')).toBe('data');
  });

  it('without HOME, says it cannot tell the home directory (exit 255), not a bare system error', () => {
    const r = putAs({}, `${sshd.user.name}@127.0.0.1:${dir}/no-home`, local());
    expect(r.stderr).toBe(`scpipe: cannot tell the home directory for ~/.ssh: HOME is not set and uid ${UID} has no home in the passwd file; set HOME\n`);
    expect(r.status).toBe(255);
    expect(existsSync(join(dir, 'no-home'))).toBe(false);
  });

  it('with an empty HOME, never reads ./.ssh/config of the current directory', () => {
    // It did, as ~/.ssh/config, and ran its ProxyCommand.
    const marker = join(local(), 'proxy-ran');
    mkdirSync(join(local(), '.ssh'));
    writeFileSync(join(local(), '.ssh', 'config'), `Host *\n  ProxyCommand sh -c 'echo > ${marker}'\n`);
    const r = putAs({ HOME: '' }, `${sshd.user.name}@127.0.0.1:${dir}/empty-home`, local());
    expect(r.stderr).toContain('cannot tell the home directory for ~/.ssh: HOME is "", not an absolute path');
    expect(r.status).toBe(255);
    expect(existsSync(marker)).toBe(false);
  });

  it('without USER and no user@, says there is no user name (exit 255), not "@host: Permission denied"', () => {
    const r = putAs({ HOME: local() }, `127.0.0.1:${dir}/no-user`, local());
    expect(r.stderr).toBe(`scpipe: no user name to log in to 127.0.0.1 as: uid ${UID} has no passwd entry and USER is not set; give user@host\n`);
    expect(r.status).toBe(255);
  });
});
