// A job run with a HOME other than the passwd entry's home (sudo keeping it,
// a unit's Environment=HOME=…) whose ~/.ssh/config names the host: the ssh2
// transport reads it, and ssh under --transport openssh does not, failing
// with its words alone. The message then names both homes and the way out.
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { runCli } from '../helpers/cli';
import { hostAlias } from '../helpers/host-alias';

const sshd = sshdPerSuite();
let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'scpipe-test-other-home-'));
  await mkdir(join(home, '.ssh'), { mode: 0o700 });
  await writeFile(join(home, '.ssh', 'config'), hostAlias('drillvault', sshd, sshd.rssh), { mode: 0o600 });
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("--transport openssh with HOME's ~/.ssh/config", () => {
  it("fails as ssh does, naming the passwd entry's home ssh read and HOME's it did not; the ssh2 transport stores the file", async () => {
    expect(userInfo().homedir).not.toBe(home);
    const dir = await userDir(sshd.rssh, 'other-home');
    const r = await runCli(['put', '-B', '--transport', 'openssh', `drillvault:${dir}/f`], { stdin: 'x', env: { HOME: home } });
    expect(r.status).toBe(255);
    expect(r.stderr).toContain('scpipe: ssh: Could not resolve hostname drillvault');
    expect(r.stderr).toContain(`(ssh read ~/.ssh in ${userInfo().homedir}, the passwd entry's home, not HOME's ${home}/.ssh, which the ssh2 transport reads: leave out --transport openssh, or give -F ${home}/.ssh/config with the files it names by their full paths)\n`);
    expect(await readdir(dir)).toEqual([]);
    // The same line without --transport openssh: the config is right.
    expect(await runCli(['put', '-B', `drillvault:${dir}/f`], { stdin: 'x', env: { HOME: home } })).toMatchObject({ status: 0, stderr: '' });
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('with -F naming that config: ssh reads it, and the file is stored', async () => {
    const dir = await userDir(sshd.rssh, 'other-home-f');
    const r = await runCli(['put', '-B', '--transport', 'openssh', '-F', join(home, '.ssh', 'config'), `drillvault:${dir}/f`], { stdin: 'x', env: { HOME: home } });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readdir(dir)).toEqual(['f']);
  });
});
