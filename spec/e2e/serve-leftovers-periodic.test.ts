// serve named the temporary files of uploads left over once, at start: a
// serve that runs for months never again named those that clients left
// while it ran (killed, their connection lost, their retries spent), and on
// an --append-only server no client may remove them, each holding one of its
// key's --max-uploads-per-key. Now it looks again every
// --leftover-check-interval (a day by default), still removing none.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { CLI } from '../helpers/cli';
import { exited } from '../helpers/slow-uploads';
import { sftpBatch, startServe, type TestServe } from '../helpers/serve';
import { tempWithBytes } from '../helpers/upload-temp';

let serve: TestServe | undefined;
const clients: ChildProcess[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.kill('SIGKILL');
  await serve?.stop();
  serve = undefined;
});

const twoHoursAgo = (): number => (Date.now() - 2 * 3600_000) / 1000;
const keptLines = (log: string): string[] => log.split('\n').filter((l) => l.includes('uploads over SFTP'));

it('names, while it runs, the temporary files clients left since its start (scpipe killed, OpenSSH sftp), and removes none', async () => {
  const s = (serve = await startServe(['--append-only', '--leftover-check-interval', '0.2']));
  // scpipe put, killed mid-stream: its temporary file stays, its key's upload on record.
  const child = spawn(process.execPath, [CLI, 'put', '-q', ...s.scpipeArgs(), 'backup@127.0.0.1:/db.zst'], { stdio: ['pipe', 'ignore', 'ignore'] });
  clients.push(child);
  child.stdin!.on('error', () => undefined);
  child.stdin!.write(Buffer.alloc(1 << 20, 7));
  const temp = await tempWithBytes(s.root, 'db.zst');
  child.kill('SIGKILL');
  await exited(child);
  // OpenSSH's sftp storing into such a name: an upload of its key, which it never renames.
  await writeFile(join(s.dir, 'part'), 'abc');
  const r = await sftpBatch(s, [`put ${join(s.dir, 'part')} /.nightly.tar.scpipe-AbCdE1`]);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  await waitFor(() => s.log().includes('sftp upload /.nightly.tar.scpipe-AbCdE1 3 bytes ok'), 'the sftp upload logged');
  expect(keptLines(s.log())).toEqual([]); // written to just now: their clients may be coming back

  for (const name of [temp, '.nightly.tar.scpipe-AbCdE1']) await utimes(join(s.root, name), twoHoursAgo(), twoHoursAgo());
  await waitFor(() => keptLines(s.log()).length > 0, 'the left files named by a later look');
  expect(keptLines(s.log())[0]).toMatch(
    new RegExp(`^scpipe: found 2 temporary files of scpipe uploads over SFTP \\(kept by a stop for their clients to resume, or left by clients that went away\\) not written to for over 1 h: /(\\.nightly\\.tar\\.scpipe-AbCdE1 \\(3 B\\)|${temp.replace(/\./g, '\\.')} \\(\\d+(\\.\\d)? (B|KiB|MiB)\\)), /\\S+ \\([^)]*\\); remove them with serve's own account once their clients will not come back$`),
  );
  expect(keptLines(s.log())[0]).toContain(temp);
  // Said again at each look, for as long as they stay; still there, on record, serve still running.
  await waitFor(() => keptLines(s.log()).length >= 2, 'named again');
  expect((await readdir(s.root)).sort()).toEqual([temp, '.nightly.tar.scpipe-AbCdE1'].sort());
  expect(s.process.exitCode).toBeNull();
}, 60_000);

it('refuses a negative --leftover-check-interval, exit 2', () => {
  const r = spawnSync(process.execPath, [CLI, 'serve', '--root', '/tmp', '--leftover-check-interval', '-1'], { encoding: 'utf8' });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: 'scpipe: bad --leftover-check-interval "-1": give a number of at least 0\n' });
});
