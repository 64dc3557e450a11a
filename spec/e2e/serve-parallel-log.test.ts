// `put --parallel N` writes one temporary file through N SFTP sessions of
// one connection: serve logged N "sftp upload" lines of partial counts for
// that one file. An operator reads one line per file, with its whole size
// and how many channels carried it.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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
