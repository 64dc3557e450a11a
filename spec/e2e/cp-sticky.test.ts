// `scpipe cp -r -p` of a sticky directory (a shared 1777 one): an SCP record
// has no room for the sticky bit (OpenSSH's FILEMODEMASK), so over SCP it
// landed world-writable without it (0777), exit 0, as OpenSSH's scp leaves
// it. User sees the directory named and the mode it got, exit 1; over SFTP,
// which carries it, 1777 and exit 0.
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();
let local: string;

beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'scpipe-test-cpsticky-'));
});
afterEach(async () => {
  await rm(local, { recursive: true, force: true });
});

it.each([
  ['scp', 1, 0o777],
  ['sftp', 0, 0o1777],
])('cp -r -p over %s of a 1777 directory', async (protocol, status, mode) => {
  const tree = join(local, 'tree');
  await mkdir(join(tree, 'shared'), { recursive: true });
  await writeFile(join(tree, 'shared', 'f'), 'x');
  await chmod(join(tree, 'shared'), 0o1777);
  const dir = await userDir(sshd.user, `cp-sticky-${protocol}`);
  const r = await runCli(['cp', ...sshFlags(sshd, sshd.user), '-q', '--protocol', protocol, '-r', '-p', tree, remote(sshd, sshd.user, `${dir}/copy`)]);
  expect({ status: r.status, stderr: r.stderr }).toEqual({
    status,
    stderr: status ? `scpipe: ${tree}/shared: its sticky bit (mode 1777) cannot be kept (an scp record carries none): stored as 0777\n` : '',
  });
  expect((await stat(join(dir, 'copy', 'shared'))).mode & 0o7777).toBe(mode);
  expect(await readFile(join(dir, 'copy', 'shared', 'f'), 'utf8')).toBe('x');
});
