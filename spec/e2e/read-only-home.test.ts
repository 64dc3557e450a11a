// A home on a read-only file system, as systemd's ProtectHome=read-only or
// a read-only container image gives a service: what scpipe would write there
// (known_hosts, serve's generated host key) fails, and says so in the C
// library's words, naming the real cause.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { withTmpfs } from '../helpers/tmpfs';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-rohome-');

// Runs `use` with an empty home on a tmpfs that `prepare` fills and that is then made read-only.
function withReadOnlyHome<T>(prepare: (home: string) => void, use: (home: string) => Promise<T>): Promise<T> {
  return withTmpfs('1m', async (home) => {
    prepare(home);
    execFileSync('mount', ['-o', 'remount,ro', home]);
    return use(home);
  });
}

describe('put with StrictHostKeyChecking=accept-new and a read-only home', () => {
  const putAcceptNew = async (home: string, name: string) => {
    const dir = await userDir(sshd.user, 'rohome');
    const r = await runCli(
      ['put', '-P', String(sshd.port), '-i', sshd.user.keyPath, '-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes', `${sshd.user.name}@127.0.0.1:${dir}/${name}`],
      { stdin: 'data', env: { HOME: home } },
    );
    return { ...r, stored: readFileSync(join(dir, name), 'utf8') };
  };

  it('without ~/.ssh: stores the file, and says ~/.ssh could not be made because the file system is read-only', async () => {
    await withReadOnlyHome(() => undefined, async (home) => {
      const r = await putAcceptNew(home, 'a');
      expect(r.stderr).toBe(`Failed to add the host to the list of known hosts (${home}/.ssh/known_hosts): ${home}/.ssh: Read-only file system\n`);
      expect(r.status).toBe(0);
      expect(r.stored).toBe('data');
    });
  });

  it('with ~/.ssh: says so in the C library\'s words, not Node\'s', async () => {
    await withReadOnlyHome((home) => mkdirSync(join(home, '.ssh'), { mode: 0o700 }), async (home) => {
      const r = await putAcceptNew(home, 'b');
      expect(r.stderr).toBe(`Failed to add the host to the list of known hosts (${home}/.ssh/known_hosts): Read-only file system\n`);
      expect(r.status).toBe(0);
      expect(r.stored).toBe('data');
    });
  });
});

describe('serve with a read-only home and no --host-key', () => {
  it('says the home is read-only (exit 2), not that ~/.cache does not exist', async () => {
    await withReadOnlyHome(() => undefined, async (home) => {
      const r = await runCli(['serve', '--root', local(), '--no-auth', '--addr', '127.0.0.1:0'], { env: { HOME: home, XDG_CACHE_HOME: '' } });
      expect(r.stderr).toBe(`scpipe: cannot save a new host key: ${home}/.cache: Read-only file system; give one with --host-key FILE\n`);
      expect(r.status).toBe(2);
    });
  });
});
