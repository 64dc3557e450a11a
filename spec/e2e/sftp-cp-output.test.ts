// What `scpipe cp -r` over SFTP says, end to end through the sftp-only jail
// of a real OpenSSH sshd: -v's lines in the order of the walk, whatever
// order the files end in, and nothing else on stderr for a tree of many
// small files.
import { randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, opendir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();
let local: string;

beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'scpipe-test-sftpcp-'));
});
afterEach(async () => {
  await rm(local, { recursive: true, force: true });
});

const cp = (account: TestAccount, args: string[], extra: string[] = []): Promise<Awaited<ReturnType<typeof runCli>>> =>
  runCli(['cp', ...sshFlags(sshd, account), '-q', ...extra, ...args]);

describe('cp -r -v over SFTP', () => {
  // Small files go 16 at a time; each one's -v line came when its round
  // trips ended, so a tree's first file, the largest, was said after the
  // small ones behind it. User sees now: the files' lines in the order the
  // walk sends them (as the SCP copy says them), exit 0.
  it('says the files stored in walk order, not in the order they end', async () => {
    const dir = await userDir(sshd.sftp, 'sftp-cp-order');
    const tree = join(local, 'tree');
    await mkdir(tree);
    for (let i = 0; i < 24; i++) await writeFile(join(tree, `f${i}`), 'x');
    const walk: string[] = []; // the walk's order: the directory's own (readdir sorts)
    for await (const entry of await opendir(tree)) walk.push(entry.name);
    await writeFile(join(tree, walk[0]!), randomBytes(1024 * 1024 - 1)); // the first is the slowest
    const r = await cp(sshd.sftp, ['-r', '-v', tree, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/copy`)]);
    expect(r.status).toBe(0);
    const said = [...r.stderr.matchAll(/^scpipe: sftp: .*\/copy\/(f\d+): \d+ bytes$/gm)].map((m) => m[1]);
    expect(said).toEqual(walk);
    expect((await readdir(join(dir, 'copy'))).sort()).toEqual([...walk].sort());
  });

  // A file that failed was said as soon as it failed, ahead of the slower
  // files walked before it. User sees now: its error between the files
  // before and after it, as the SCP copy says it; exit 1.
  it('says a file that failed in walk order too', async () => {
    const dir = await userDir(sshd.sftp, 'sftp-cp-order-failed');
    const tree = join(local, 'tree');
    await mkdir(tree);
    for (let i = 0; i < 12; i++) await writeFile(join(tree, `f${i}`), 'x');
    const walk: string[] = [];
    for await (const entry of await opendir(tree)) walk.push(entry.name);
    await writeFile(join(tree, walk[0]!), randomBytes(1024 * 1024 - 1));
    const copy = `${remotePath(sshd.sftp, dir)}/copy`;
    await mkdir(join(dir, 'copy', 'tree', walk[3]!, 'in-the-way'), { recursive: true }); // a directory where the file goes
    for (const p of ['copy', 'copy/tree', `copy/tree/${walk[3]!}`]) await chown(join(dir, p), sshd.sftp.uid, sshd.sftp.gid);
    const r = await cp(sshd.sftp, ['-r', '-v', tree, remote(sshd, sshd.sftp, `${copy}/`)]);
    expect(r.status).toBe(1);
    const said = [...r.stderr.matchAll(/^scpipe: (?:sftp: )?.*\/copy\/tree\/(f\d+)(: \d+ bytes|: .*)$/gm)]
      .filter((m) => !m[0].includes('removed'))
      .map((m) => (m[2]!.match(/^: \d+ bytes$/) ? m[1] : `${m[1]} failed`));
    expect(said).toEqual(walk.map((name, i) => (i === 3 ? `${name} failed` : name)));
  });
});

describe('cp -r over SFTP of many small files', () => {
  // Each of the 16 files in flight listened to the run's signal, so Node
  // printed "MaxListenersExceededWarning: Possible EventTarget memory leak
  // detected" on an ordinary copy. User sees now: nothing on stderr, exit 0.
  it('says nothing but what it copied: no MaxListenersExceededWarning', async () => {
    const dir = await userDir(sshd.sftp, 'sftp-cp-many');
    const tree = join(local, 'tree');
    await mkdir(tree);
    for (let i = 0; i < 40; i++) await writeFile(join(tree, `f${i}`), `file ${i}\n`);
    const r = await cp(sshd.sftp, ['-r', tree, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/copy`)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(join(dir, 'copy'))).length).toBe(40);
  });
});
