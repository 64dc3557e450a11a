// `put --parallel N` writes one temporary file through N SFTP sessions of
// one connection: serve logged N "sftp upload" lines of partial counts for
// that one file, and `get --parallel N` as many "sftp download" lines. An
// operator reads one line per file, with its whole size and how many
// channels carried it.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { servePerSuite } from '../helpers/serve';
import { runCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const serve = servePerSuite();

it('put --parallel 4: one upload line with the whole size and the channels, then the rename', async () => {
  const data = randomBytes(8 << 20);
  const r = await runCli(['put', '-q', '--parallel', '4', ...serve.scpipeArgs(), 'backup@127.0.0.1:/big.bin'], { stdin: data });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect((await readFile(join(serve.root, 'big.bin'))).equals(data)).toBe(true);
  await waitFor(() => / sftp posix-rename /.test(serve.log()), 'the rename line');
  const uploads = serve.log().split('\n').filter((l) => / sftp upload /.test(l));
  expect(uploads).toHaveLength(1);
  expect(uploads[0]).toMatch(/ sftp upload \/\.big\.bin\.scpipe-\w+ 8388608 bytes over 4 channels ok$/);
});

it('a single-channel put keeps its plain line', async () => {
  const r = await runCli(['put', '-q', '--parallel', '1', ...serve.scpipeArgs(), 'backup@127.0.0.1:/one.bin'], { stdin: 'abc' });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  await waitFor(() => / sftp posix-rename \/\.one\.bin/.test(serve.log()), 'the rename line');
  expect(serve.log()).toMatch(/ sftp upload \/\.one\.bin\.scpipe-\w+ 3 bytes ok\n/);
});

// The download lines of `path`, once they add up to `size` bytes (the old lines were partial).
async function downloadLines(path: string, size: number): Promise<string[]> {
  const lines = () => serve.log().split('\n').filter((l) => l.includes(` sftp download ${path} `));
  const sum = () => lines().reduce((n, l) => n + Number(/ (\d+) bytes /.exec(l)![1]), 0);
  await waitFor(() => sum() >= size, `${size} bytes of ${path} logged`);
  return lines();
}

it('get --parallel 4 of one file: one download line with the whole size and the channels', async () => {
  const data = randomBytes(8 << 20);
  await writeFile(join(serve.root, 'fetched.bin'), data);
  const r = await runCli(['get', '-q', '--parallel', '4', ...serve.scpipeArgs(), 'backup@127.0.0.1:/fetched.bin']);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(r.stdout.equals(data)).toBe(true);
  expect(await downloadLines('/fetched.bin', data.length)).toEqual([expect.stringMatching(/ sftp download \/fetched\.bin 8388608 bytes over 4 channels ok$/)]);
});

// Each part is a file of its own, fetched whole over one channel: a line each, as put logs them.
it('get --parallel 4 of a parts set: one plain download line per part', async () => {
  const data = randomBytes(3 << 20);
  const put = await runCli(['put', '-q', '--part-size', '1M', ...serve.scpipeArgs(), 'backup@127.0.0.1:/set'], { stdin: data });
  expect({ status: put.status, stderr: put.stderr }).toEqual({ status: 0, stderr: '' });
  const r = await runCli(['get', '-q', '--parallel', '4', ...serve.scpipeArgs(), 'backup@127.0.0.1:/set']);
  expect({ status: r.status, stderr: r.stderr, same: r.stdout.equals(data) }).toEqual({ status: 0, stderr: '', same: true });
  for (const part of ['/set.000000', '/set.000001', '/set.000002']) {
    expect(await downloadLines(part, 1 << 20)).toEqual([expect.stringMatching(new RegExp(` sftp download ${part.replace('.', '\\.')} 1048576 bytes ok$`))]);
  }
});
