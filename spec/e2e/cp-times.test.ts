// `scpipe cp -p` of files whose times the protocol cannot carry (before
// 1970; after 2106 over SFTP, whose times are uint32): each is stored with
// the nearest time that can be sent and reported, exit 1 (as GNU cp -p does
// when a time cannot be kept), not wrapped (1960 became 2096) or clamped in
// silence, as OpenSSH's scp does.
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();
let local: string;

beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'scpipe-test-cptimes-'));
});
afterEach(async () => {
  await rm(local, { recursive: true, force: true });
});

const T1960 = Date.UTC(1960, 0, 1) / 1000;
const T2200 = Date.UTC(2200, 0, 1) / 1000;
const SFTP_LAST = 0xffffffff;
const mtimeOf = async (path: string): Promise<number> => Math.floor((await stat(path)).mtimeMs / 1000);

async function makeTree(): Promise<string> {
  const tree = join(local, 'tree');
  await mkdir(join(tree, 'old'), { recursive: true });
  await writeFile(join(tree, 'old', 'f1960'), 'sixties\n');
  await writeFile(join(tree, 'f2200'), 'future\n');
  // Dates: Node's utimes() takes a negative number of seconds as now.
  const at = (s: number): Date => new Date(s * 1000);
  await utimes(join(tree, 'old', 'f1960'), at(T1960), at(T1960));
  await utimes(join(tree, 'f2200'), at(T2200), at(T2200));
  await utimes(join(tree, 'old'), at(T1960), at(T1960));
  return tree;
}

it.each([
  ['SFTP', 'sftp', 'SFTP carries times from 1970 to 2106-02-07T06:28:15Z', SFTP_LAST],
  ['SCP', 'scp', 'scp carries no time before 1970', T2200],
])('cp -r -p over %s: a time it cannot carry is reported, exit 1; the file is stored with the nearest', async (_, protocol, said, stored2200) => {
  const tree = await makeTree();
  const dir = await userDir(sshd.user, `cp-times-${protocol}`);
  const r = await runCli(['cp', ...sshFlags(sshd, sshd.user), '-q', '--protocol', protocol, '-r', '-p', tree, remote(sshd, sshd.user, `${dir}/copy`)]);
  expect(r.status).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toContain(`scpipe: ${tree}/old: its modification time 1960-01-01T00:00:00Z cannot be kept (${said}): stored with 1970-01-01T00:00:00Z`);
  expect(lines).toContain(`scpipe: ${tree}/old/f1960: its modification time 1960-01-01T00:00:00Z cannot be kept (${said}): stored with 1970-01-01T00:00:00Z`);
  expect(lines.length).toBe(protocol === 'sftp' ? 3 : 2);
  expect(await readFile(join(dir, 'copy', 'old', 'f1960'), 'utf8')).toBe('sixties\n');
  expect(await readFile(join(dir, 'copy', 'f2200'), 'utf8')).toBe('future\n');
  expect(await mtimeOf(join(dir, 'copy', 'old', 'f1960'))).toBe(0);
  expect(await mtimeOf(join(dir, 'copy', 'old'))).toBe(0);
  expect(await mtimeOf(join(dir, 'copy', 'f2200'))).toBe(stored2200);
});
