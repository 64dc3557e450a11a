// An `scp -O` upload's log line names the target the client gave: `.`, a
// directory, a tree's destination. Which files it stored, and so which
// login stored a given file, was nowhere in the log, where an SFTP upload
// has a line per file. Each file stored under another name than the
// target now has a line of its own.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { servePerSuite } from '../helpers/serve';

const serve = servePerSuite(['--append-only']);

function scpO(args: string[]): number | null {
  return spawnSync('scp', ['-O', '-q', ...serve.sshArgs(), ...args], { encoding: 'utf8' }).status;
}

// The log lines after `mark`, of this client, without the `scpipe: user@address:port key SHA256:… ` prefix.
function linesAfter(mark: number): string[] {
  return serve
    .log()
    .slice(mark)
    .split('\n')
    .filter((l) => / \S+@127\.0\.0\.1:\d+ /.test(l))
    .map((l) => l.replace(/^scpipe: \S+@127\.0\.0\.1:\d+ key SHA256:\S+ /, ''));
}

it('names each file an upload into the root or a directory stored', async () => {
  await writeFile(join(serve.dir, 'web1.txt'), 'hello\n');
  await mkdir(join(serve.root, 'in'));
  const mark = serve.log().length;
  expect(scpO([join(serve.dir, 'web1.txt'), '127.0.0.1:'])).toBe(0);
  expect(scpO([join(serve.dir, 'web1.txt'), '127.0.0.1:in/'])).toBe(0);
  await waitFor(() => linesAfter(mark).length === 4, 'four log lines');
  expect(linesAfter(mark)).toEqual(['stored /web1.txt 6 bytes', 'upload / 6 bytes ok', 'stored /in/web1.txt 6 bytes', 'upload /in 6 bytes ok']);
  expect(await readFile(join(serve.root, 'in', 'web1.txt'), 'utf8')).toBe('hello\n');
});

it('names each file of a tree', async () => {
  const tree = join(serve.dir, 'tree');
  await mkdir(join(tree, 'sub'), { recursive: true });
  await writeFile(join(tree, 'a'), 'a\n');
  await writeFile(join(tree, 'sub', 'b'), 'bb\n');
  const mark = serve.log().length;
  expect(scpO(['-r', tree, '127.0.0.1:/trees'])).toBe(0);
  await waitFor(() => linesAfter(mark).some((l) => l.startsWith('upload ')), 'the upload logged');
  expect(linesAfter(mark).sort()).toEqual(['stored /trees/a 2 bytes', 'stored /trees/sub/b 3 bytes', 'upload /trees 5 bytes ok']);
});

it('adds no line where the target names the file stored', async () => {
  const mark = serve.log().length;
  expect(scpO([join(serve.dir, 'web1.txt'), '127.0.0.1:/db.dump'])).toBe(0);
  await waitFor(() => linesAfter(mark).length > 0, 'the upload logged');
  expect(linesAfter(mark)).toEqual(['upload /db.dump 6 bytes ok']);
});

// `put vault:in/db.dump` over SCP logged `upload in/db.dump`, over SFTP `/in/db.dump`:
// a grep for the file found one protocol's uploads and downloads only.
it('shows a path as the SFTP side does: from the root, with . and .. resolved', async () => {
  const mark = serve.log().length;
  expect(scpO([join(serve.dir, 'web1.txt'), '127.0.0.1:in/../in/./db.dump'])).toBe(0);
  expect(scpO(['127.0.0.1:in/db.dump', join(serve.dir, 'back.dump')])).toBe(0);
  await waitFor(() => linesAfter(mark).length === 2, 'both transfers logged');
  expect(linesAfter(mark)).toEqual(['upload /in/db.dump 6 bytes ok', 'download /in/db.dump 6 bytes ok']);
});

// `put --no-clobber` and a parts set look for names over SCP by asking for
// them: six `download … failed` lines a night per client hid real failures.
it('logs no line for a download of a name that is not there, and still logs one that failed', async () => {
  const mark = serve.log().length;
  const r = spawnSync('scp', ['-O', ...serve.sshArgs(), '127.0.0.1:/nope.sha256', join(serve.dir, 'nope')], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('scp: /nope.sha256: No such file or directory');
  expect(scpO(['127.0.0.1:/in', join(serve.dir, 'in-copy')])).toBe(1);
  await waitFor(() => linesAfter(mark).length > 0, 'the failed download logged');
  expect(linesAfter(mark)).toEqual(['download /in 0 bytes failed: /in: not a regular file']);
});

// A failure's text is cut for the log as a long command is; cut at its head,
// a path past 1000 characters took the whole line, and the operator read
// which upload failed but never why.
it('keeps the reason of a failed upload whose path is longer than the log keeps', async () => {
  const dir = Array.from({ length: 6 }, (_, i) => `${i}`.repeat(200)).join('/');
  const mark = serve.log().length;
  const r = spawnSync('scp', ['-O', ...serve.sshArgs(), join(serve.dir, 'web1.txt'), `127.0.0.1:/${dir}/db.dump`], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('/db.dump: No such file or directory');
  await waitFor(() => linesAfter(mark).some((l) => l.startsWith('upload ')), 'the failed upload logged');
  const line = linesAfter(mark).find((l) => l.startsWith('upload '))!;
  expect(line).toMatch(/ 0 bytes failed: \/0{200}\/.*….*5{100}\/db\.dump: No such file or directory$/);
  expect(line.length).toBeLessThan(2100);
});
