// A serve that was killed (SIGKILL, a power loss, a TimeoutStopSec that ran
// out) left the temporary files of its scp uploads in flight in the root,
// and nothing said so: they piled up unseen. Now serve names them in its
// log at start, and removes nothing: a client's file may bear such a name,
// and a live serve's temporary file (another serve on the same root) is
// not one while its process runs or it is still being written.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { startServe, type TestServe } from '../helpers/serve';

let serve: TestServe | undefined;
let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'scpipe-test-leftovers-'));
});
afterEach(async () => {
  await serve?.stop();
  serve = undefined;
  await rm(root, { recursive: true, force: true });
});

// An upload after start, logged: any line of the walk (of a root this small) came before.
async function oneUpload(s: TestServe): Promise<void> {
  await writeFile(join(s.dir, 'f'), 'x');
  const r = spawnSync('scp', ['-O', '-q', ...s.sshArgs(), join(s.dir, 'f'), '127.0.0.1:/f'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  await waitFor(() => s.log().includes('upload /f 1 bytes ok'), 'the upload logged');
  await rm(join(root, 'f'));
}

// A PID no process has now: one that has exited.
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

it('logs, at start, the temporary files a killed serve left, and removes none', async () => {
  const dead = deadPid();
  const longAgo = (Date.now() - 2 * 3600_000) / 1000;
  await mkdir(join(root, 'sub'));
  const left = [join('sub', `.big.bin.scpipe-${dead}-Ab3dEf6hIj9k`), `.scpipe-${dead}-zz3dEf6hIj9k`];
  const notLeft = [
    `.fresh.scpipe-${dead}-Ab3dEf6hIj9k`, // still being written (a serve on another host)
    `.live.scpipe-${process.pid}-Ab3dEf6hIj9k`, // a running process's
    '.put.scpipe-Ab3dEf', // scpipe put's SFTP temporary: a line of its own (serve-kept-uploads.test.ts)
    'sub/plain.bin',
  ];
  for (const name of [...left, ...notLeft]) await writeFile(join(root, name), 'x');
  for (const name of [...left, ...notLeft.slice(1)]) await utimes(join(root, name), longAgo, longAgo);
  serve = await startServe(['--root', root]);
  await waitFor(() => serve!.log().includes('temporary files'), 'the leftovers logged');
  const line = serve.log().split('\n').find((l) => l.includes('temporary files'))!;
  expect(line).toBe(
    `scpipe: found 2 temporary files of uploads cut by a serve that was killed, not written to for over 1 h: /${left[1]}, /${left[0]}; remove them once no other serve on this root writes them`,
  );
  expect((await readdir(root)).length).toBe(5);
  expect((await readdir(join(root, 'sub'))).length).toBe(2);
});

// Such a file, from an upload to a Latin-1 name, was lstat'ed under its
// U+FFFD form, not found, and never said; nor was anything in a Latin-1 directory.
it('finds one whose name, or its directory\'s, is not UTF-8, and names it escaped', async () => {
  const dead = deadPid();
  const longAgo = (Date.now() - 2 * 3600_000) / 1000;
  const dir = Buffer.from(`${root}/d\xe9`, 'latin1');
  const file = Buffer.from(`${root}/d\xe9/.caf\xe9.scpipe-${dead}-Ab3dEf6hIj9k`, 'latin1');
  await mkdir(dir);
  await writeFile(file, 'x');
  await utimes(file, longAgo, longAgo);
  serve = await startServe(['--root', root]);
  await waitFor(() => serve!.log().includes('temporary file'), 'the leftover logged');
  const line = serve.log().split('\n').find((l) => l.includes('temporary file'))!;
  expect(line).toContain(`: /d\\xe9/.caf\\xe9.scpipe-${dead}-Ab3dEf6hIj9k; remove it once`);
  expect(await readdir(dir)).toHaveLength(1);
});

// One file was named and then called "them". User sees now: "remove it".
it('speaks of a single file left as it', async () => {
  const name = `.one.bin.scpipe-${deadPid()}-Ab3dEf6hIj9k`;
  await writeFile(join(root, name), 'x');
  const longAgo = (Date.now() - 2 * 3600_000) / 1000;
  await utimes(join(root, name), longAgo, longAgo);
  serve = await startServe(['--root', root]);
  await waitFor(() => serve!.log().includes('temporary file'), 'the leftover logged');
  const line = serve.log().split('\n').find((l) => l.includes('temporary file'))!;
  expect(line).toBe(
    `scpipe: found 1 temporary file of uploads cut by a serve that was killed, not written to for over 1 h: /${name}; remove it once no other serve on this root writes it`,
  );
  expect(await readdir(root)).toEqual([name]);
});

it('says nothing when there is nothing left over', async () => {
  await writeFile(join(root, `.fresh.scpipe-${deadPid()}-Ab3dEf6hIj9k`), 'x');
  serve = await startServe(['--root', root]);
  await oneUpload(serve);
  expect(serve.log()).not.toContain('temporary file');
});

it('names what an scp -O upload left when its serve was killed, once it is old enough', async () => {
  const first = await startServe(['--root', root]);
  serve = first;
  await writeFile(join(first.dir, 'big'), Buffer.alloc(20 << 20));
  const scp = spawn('scp', ['-O', '-q', '-l', '8000', ...first.sshArgs(), join(first.dir, 'big'), '127.0.0.1:/big.bin'], { stdio: 'ignore' });
  await waitFor(async () => (await readdir(root)).length === 1, 'the upload under way');
  first.process.kill('SIGKILL');
  await new Promise((r) => (first.process.exitCode !== null || first.process.signalCode !== null ? r(undefined) : first.process.once('exit', r)));
  await new Promise((r) => (scp.exitCode !== null ? r(undefined) : scp.once('exit', r)));
  const [temp] = await readdir(root);
  expect(temp).toMatch(/^\.big\.bin\.scpipe-\d+-\w{12}$/);
  // Just killed: it may be another serve's, still being written; logged once an hour old.
  await first.stop();
  serve = await startServe(['--root', root]);
  await oneUpload(serve);
  expect(serve.log()).not.toContain('temporary file');
  await serve.stop();
  const longAgo = (Date.now() - 2 * 3600_000) / 1000;
  await utimes(join(root, temp!), longAgo, longAgo);
  serve = await startServe(['--root', root]);
  await waitFor(() => serve!.log().includes('temporary file'), 'the leftover logged');
  expect(serve.log()).toContain(`scpipe: found 1 temporary file of uploads cut by a serve that was killed, not written to for over 1 h: /${temp}; remove`);
  expect(await readdir(root)).toEqual([temp]);
}, 30_000);
