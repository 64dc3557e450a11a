// What reaches the user's terminal from a name they did not type as it is
// shown (a HostName in ssh_config, a key file's name) holds no raw control
// character, and what the library escaped already is not escaped again.
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { runCli } from '../helpers/cli';

const sshd = sshdPerSuite();
let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'scpipe-test-home-'));
  await mkdir(join(home, '.ssh'), { mode: 0o700 });
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('text on stderr that was not typed as shown', () => {
  it('a HostName from ssh_config with an escape sequence is shown escaped; exit 255', async () => {
    await writeFile(join(home, '.ssh', 'config'), 'Host evil\n  HostName ex\x1b[31mample.invalid\n');
    const r = await runCli(['put', 'evil:f'], { stdin: 'x', env: { HOME: home } });
    expect(r.status).toBe(255);
    expect(r.stderr).not.toContain('\x1b');
    expect(r.stderr).toMatch(/^scpipe: could not resolve hostname ex\\x1b\[31mample\.invalid: [^\n]+\n$/);
  });

  it("a key file's name in ssh's too-open warning is escaped once, not twice; nothing is stored", async () => {
    const dir = await userDir(sshd.rssh, 'escaped-once');
    const key = join(home, '.ssh', 'id\x1b[1m');
    await copyFile(sshd.rssh.keyPath, key);
    await chmod(key, 0o644);
    const args = ['put', '-P', String(sshd.port), '-i', key, '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, `${sshd.rssh.name}@127.0.0.1:${dir}/f`];
    const r = await runCli(args, { stdin: 'x', env: { HOME: home } });
    expect(r.status).toBe(255);
    expect(r.stderr).not.toContain('\x1b');
    expect(r.stderr).toContain(`Permissions 0644 for '${home}/.ssh/id\\x1b[1m' are too open`);
    expect(await readdir(dir)).toEqual([]);
  });
});
