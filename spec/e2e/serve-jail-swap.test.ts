// A client of `scpipe serve` swapping a directory for a symbolic link while
// another of its requests uses the directory. The jail checks a path, then
// the request uses it by name; a client can make a link that leads out of
// the root (`ln -s .. /a/up`, then `rename /a/up /up`: inside where made,
// outside where moved), so its own rename between the check and the use was
// a way out: `scp -t /x` checked /x once and wrote every file under it, so a
// rename of a link to /x in between put the upload outside the root.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type SFTPWrapper } from 'ssh2';
import { readFileSync } from 'node:fs';
import { waitFor } from '../helpers/async';
import { processCpuMs } from '../helpers/process-cpu';
import { runProgram } from '../helpers/run-program';
import { sftpBatch, servePerSuite } from '../helpers/serve';

const serve = servePerSuite();

// The bound of the deep-tree runs below is serve's CPU time, not the wall
// time: on a loaded machine a run at ~3.5 s of serve's CPU (~2 s of the
// client's) took 20-135 s of wall time, waiting for a core, so their time
// limits only end a hung run. A check per entry that walks the whole path
// costs more than 10 s of CPU at 1,200 deep (4.7 s already at 600).
const DEEP_TREE_CPU_MS = 10_000;

const sftp = (batch: string[]) => sftpBatch(serve, batch);

// OpenSSH's ssh running `command`, its stdin written by the test (a hand-driven scp -t).
function driveScp(command: string) {
  const child = spawn('ssh', [...serve.sshArgs(), '127.0.0.1', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = Buffer.alloc(0);
  child.stdout.on('data', (d: Buffer) => (out = Buffer.concat([out, d])));
  const status = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { stdin: child.stdin, out: () => out.toString('latin1'), acks: () => out.length, status };
}

// Makes `/name` (or `/r/name` with `under`), a link to the root's parent, by
// moving a link that leads inside where it was made.
async function linkToParent(name: string, under = ''): Promise<void> {
  const made = under ? `/a/b/${name}` : `/a/${name}`;
  await mkdir(join(serve.root, 'a', 'b'), { recursive: true });
  expect(await sftp([`ln -s ${under ? '../..' : '..'} ${made}`, `rename ${made} ${under}/${name}`])).toMatchObject({ status: 0 });
}

describe('serve while the client swaps a directory for a link that leads outside', () => {
  it('scp -t DIR: a file sent after the swap is refused, not written outside the root', async () => {
    await mkdir(join(serve.root, 'x'));
    await linkToParent('up');
    const scp = driveScp('scp -t /x');
    await waitFor(() => scp.acks() >= 1, 'the first \\0 of scp -t');
    expect(await sftp(['rename /x /x_old', 'rename /up /x'])).toMatchObject({ status: 0 });
    scp.stdin.end('C0644 5 planted\nEVIL\n\0');
    expect(await scp.status).toBe(1);
    expect(scp.out()).toContain('\x01scp: /x: Permission denied (symbolic link leads outside the root)\n');
    expect(existsSync(join(serve.dir, 'planted'))).toBe(false);
    expect(await readdir(join(serve.root, 'x_old'))).toEqual([]);
  });

  it('scp -r -t: a file sent into a subdirectory swapped after its D record is refused', async () => {
    await mkdir(join(serve.root, 'r', 'sub'), { recursive: true });
    await linkToParent('up2', '/r');
    const scp = driveScp('scp -r -t /r');
    await waitFor(() => scp.acks() >= 1, 'the first \\0 of scp -t');
    scp.stdin.write('D0755 0 sub\n');
    await waitFor(() => scp.acks() >= 2, 'the \\0 to D');
    expect(await sftp(['rename /r/sub /sub_old', 'rename /r/up2 /r/sub'])).toMatchObject({ status: 0 });
    scp.stdin.end('C0644 5 planted2\nEVIL\n\0E\n');
    expect(await scp.status).toBe(1);
    expect(scp.out()).toContain("Permission denied (symbolic link leads outside the root)");
    expect(existsSync(join(serve.dir, 'planted2'))).toBe(false);
  });

  // A listing lstat()s each entry by name under the directory's path: after
  // the swap, that named files outside (their size, owner and times).
  it('SFTP readdir after the swap fails instead of describing files outside the root', async () => {
    await mkdir(join(serve.root, 'l'));
    await writeFile(join(serve.root, 'l', 'host_key'), 'decoy'); // serve.dir has a host_key beside the root
    await linkToParent('up3');
    const client = new Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve).once('error', reject);
      client.connect({ host: '127.0.0.1', port: serve.port, username: 'backup', privateKey: readFileSync(serve.keyPath) });
    });
    try {
      const s = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, w) => (err ? reject(err) : resolve(w))));
      const handle = await new Promise<Buffer>((resolve, reject) => s.opendir('/l', (err, h) => (err ? reject(err) : resolve(h))));
      expect(await sftp(['rename /l /l_old', 'rename /up3 /l'])).toMatchObject({ status: 0 });
      const listed = await new Promise<unknown>((resolve) => s.readdir(handle, (err, list) => resolve(err ?? list)));
      expect(listed).toBeInstanceOf(Error);
      expect((listed as Error).message).toContain("Permission denied (symbolic link leads outside the root)");
    } finally {
      client.end();
    }
  });
});

// The checks again for every entry must not cost a walk from the root each:
// that made a tree 1,200 deep take minutes (a hostile client's cheap way to
// keep the server's I/O threads busy).
it('scp -r -t of a tree 1,200 directories deep is checked in linear time', async () => {
  const depth = 1200;
  const records = `${'D0755 0 d\n'.repeat(depth)}C0644 2 f\nx\n\0${'E\n'.repeat(depth)}`;
  const cpu = processCpuMs(serve.process.pid!);
  const r = await runProgram('ssh', [...serve.sshArgs(), '127.0.0.1', 'scp -r -t /'], records, { timeoutMs: 240_000 });
  expect(r.status).toBe(0);
  expect(processCpuMs(serve.process.pid!) - cpu).toBeLessThan(DEEP_TREE_CPU_MS);
  expect(existsSync(join(serve.root, ...Array<string>(depth).fill('d'), 'f'))).toBe(true);
}, 300_000);

// The same for downloads: a realpath() of every entry walked the whole path
// again for each of its names, and scp -r -f of a tree 1,500 deep held a
// thread of the pool for a minute (four such downloads stalled every client).
it('scp -O -r of a tree 1,200 directories deep is checked in linear time', async () => {
  const depth = 1200;
  const deepest = join(serve.root, 'deep', ...Array<string>(depth).fill('d'));
  await mkdir(deepest, { recursive: true });
  await writeFile(join(deepest, 'f'), 'x');
  const local = await mkdtemp(join(tmpdir(), 'scpipe-test-deep-'));
  try {
    const cpu = processCpuMs(serve.process.pid!);
    const r = await runProgram('scp', ['-O', '-q', '-r', ...serve.sshArgs(), '127.0.0.1:/deep', join(local, 'deep')], '', { timeoutMs: 240_000 });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(processCpuMs(serve.process.pid!) - cpu).toBeLessThan(DEEP_TREE_CPU_MS);
  } finally {
    await rm(local, { recursive: true, force: true });
  }
}, 300_000);
