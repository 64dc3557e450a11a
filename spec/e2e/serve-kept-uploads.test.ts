// A stop keeps the temporary file of an scpipe upload over SFTP it cut, for
// its client to resume. One whose client never came back stayed unseen: on
// an --append-only server no client may remove it, and serve's start named
// only what scp uploads left. Now the start names such files, with their
// size, once not written to for an hour, and removes none.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { CLI, runCli } from '../helpers/cli';
import { exited } from '../helpers/slow-uploads';
import { startServe, type TestServe } from '../helpers/serve';
import { tempWithBytes } from '../helpers/upload-temp';

let serve: TestServe | undefined;
const clients: ChildProcess[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.kill('SIGKILL');
  await serve?.stop();
  serve = undefined;
});

const twoHoursAgo = (): number => (Date.now() - 2 * 3600_000) / 1000;
const keptLine = (log: string): string | undefined => log.split('\n').find((l) => l.includes('uploads over SFTP'));

// A put with no retries, its stream paused after 1 MiB; serve stopped (SIGTERM) under it keeps its temporary file.
async function cutPut(s: TestServe): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'put', '-q', '--retries', '0', ...s.scpipeArgs(), 'backup@127.0.0.1:/db.zst'], { stdio: ['pipe', 'ignore', 'ignore'] });
  clients.push(child);
  child.stdin!.on('error', () => undefined); // EPIPE once put has exited
  child.stdin!.write(Buffer.alloc(1 << 20, 7));
  const temp = await tempWithBytes(s.root, 'db.zst');
  await s.restart('SIGTERM');
  expect(await exited(child)).toBe(1);
  return temp;
}

// An upload after start, logged: the start's walk of a root this small came before.
async function oneUpload(s: TestServe): Promise<void> {
  const r = await runCli(['put', '--protocol', 'sftp', ...s.scpipeArgs(), 'backup@127.0.0.1:/probe'], { stdin: 'x' });
  expect(r.status).toBe(0);
  await waitFor(() => s.log().includes('sftp upload /.probe.scpipe-'), 'the upload logged');
}

for (const mode of [[], ['--append-only']]) {
  it(`names, at start, the temporary file a stop kept once it is an hour old, with its size, and removes it not${mode.length ? ' (append-only)' : ''}`, async () => {
    const s = (serve = await startServe(['--stop-timeout', '0', ...mode]));
    const temp = await cutPut(s);
    expect(s.log()).not.toContain('uploads over SFTP'); // just kept: its client may be coming back
    await oneUpload(s);
    expect(keptLine(s.log())).toBeUndefined();

    await utimes(join(s.root, temp), twoHoursAgo(), twoHoursAgo());
    await s.restart();
    await waitFor(() => keptLine(s.log()) !== undefined, 'the kept file logged');
    const kept = `scpipe: found 1 temporary file of scpipe uploads over SFTP (kept by a stop for its client to resume, or left by a client that went away) not written to for over 1 h: /${temp} (SIZE); remove it with serve's own account once its client will not come back`;
    expect(keptLine(s.log())).toMatch(new RegExp(`^${kept.replace(/[.()]/g, '\\$&').replace('SIZE', '\\d+(\\.\\d)? (B|KiB|MiB)')}$`));
    expect((await readdir(s.root)).sort()).toEqual([temp, 'probe']);
  }, 60_000);
}

it('names the first ten such files, and none of another shape or written to lately', async () => {
  const s = (serve = await startServe(['--stop-timeout', '0']));
  const names = Array.from({ length: 11 }, (_, i) => `.f${String(i).padStart(2, '0')}.scpipe-Ab3dE${i % 10}`);
  const others = ['.x.scpipe-toolong', 'x.scpipe-Ab3dEf', '.fresh.scpipe-Ab3dEf'];
  for (const n of [...names, ...others]) await writeFile(join(s.root, n), 'ab');
  for (const n of [...names, ...others.slice(0, 2)]) await utimes(join(s.root, n), twoHoursAgo(), twoHoursAgo());
  await s.restart();
  await waitFor(() => keptLine(s.log()) !== undefined, 'the kept files logged');
  const line = keptLine(s.log())!;
  expect(line).toMatch(/^scpipe: found 11 temporary files of scpipe uploads over SFTP \(kept by a stop for their clients to resume, or left by clients that went away\) not written to for over 1 h: (\/\.f\d\d\.scpipe-Ab3dE\d \(2 B\), ){9}\/\.f\d\d\.scpipe-Ab3dE\d \(2 B\) and 1 more; remove them with serve's own account once their clients will not come back$/);
  for (const o of others) expect(line).not.toContain(o);
  expect((await readdir(s.root)).length).toBe(names.length + others.length);
}, 30_000);

// Names are a client's: one made to clear a terminal is shown escaped, one not UTF-8 found and shown too.
it('names one in a subdirectory, its name escaped', async () => {
  const s = (serve = await startServe(['--stop-timeout', '0']));
  const dir = Buffer.from(`${s.root}/d\xe9`, 'latin1');
  const file = Buffer.concat([dir, Buffer.from('/.bad\x1b[2J.scpipe-Ab3dEf', 'latin1')]);
  await mkdir(dir);
  await writeFile(file, 'abc');
  await utimes(file, twoHoursAgo(), twoHoursAgo());
  await s.restart();
  await waitFor(() => keptLine(s.log()) !== undefined, 'the kept file logged');
  expect(keptLine(s.log())).toContain(': /d\\xe9/.bad\\x1b[2J.scpipe-Ab3dEf (3 B); remove it');
  expect(await readdir(dir)).toHaveLength(1);
}, 30_000);
