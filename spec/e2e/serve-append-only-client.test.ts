// scpipe's own uploads into `scpipe serve --append-only`: put over SFTP and
// SCP, parts with their manifest, cp -r, and what an upload onto an existing
// name, and --remove-stale, say there.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { servePerSuite } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite(['--append-only']);
const localDir = tempDirPerTest('scpipe-test-append-client-');
let local: string;
beforeEach(() => {
  local = localDir();
});
afterEach(async () => {
  for (const name of await readdir(serve.root)) await rm(join(serve.root, name), { recursive: true, force: true });
});

const at = (path: string): string => `backup@127.0.0.1:${path}`;

describe('scpipe into serve --append-only', () => {
  it.each([['SFTP', []], ['SCP', ['-O']]])('put over %s stores a new file, and refuses an existing one, which stays', async (_name, extra) => {
    const data = randomBytes(300_000);
    expect(await runCli(['put', ...serve.scpipeArgs(), ...extra, '-q', at('/new.bin')], { stdin: data })).toMatchObject({ status: 0, stderr: '' });
    expect((await readFile(join(serve.root, 'new.bin'))).equals(data)).toBe(true);
    const r = await runCli(['put', ...serve.scpipeArgs(), ...extra, '-q', at('/new.bin')], { stdin: 'other' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(extra.length ? 'scpipe: remote: scp: /new.bin: Permission denied (append-only server: it exists, and existing files are not replaced)\n'
      : 'scpipe: /new.bin: rename: /new.bin: append-only server: it exists, and existing files are not replaced\n');
    expect((await readFile(join(serve.root, 'new.bin'))).equals(data)).toBe(true);
    expect(await readdir(serve.root)).toEqual(['new.bin']);
  });

  it('put --part-size stores the parts and the manifest, and get reads them back', async () => {
    const data = randomBytes(700_000);
    expect(await runCli(['put', ...serve.scpipeArgs(), '-q', '--part-size', '256K', at('/set')], { stdin: data })).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(serve.root)).sort()).toEqual(['set.000000', 'set.000001', 'set.000002', 'set.sha256']);
    const got = await runCli(['get', ...serve.scpipeArgs(), '-q', at('/set')]);
    expect(got.status).toBe(0);
    expect(got.stdout.equals(data)).toBe(true);
  });

  it('cp -r -p copies a tree, into a directory that exists too', async () => {
    await mkdir(join(local, 't', 'sub'), { recursive: true });
    await writeFile(join(local, 't', 'a'), 'a');
    await writeFile(join(local, 't', 'sub', 'b'), 'b');
    expect(await runCli(['cp', ...serve.scpipeArgs(), '-q', '-r', '-p', join(local, 't'), at('/')])).toMatchObject({ status: 0, stderr: '' });
    await writeFile(join(local, 't', 'sub', 'c'), 'c');
    await rm(join(local, 't', 'a'));
    await rm(join(local, 't', 'sub', 'b'));
    expect(await runCli(['cp', ...serve.scpipeArgs(), '-q', '-r', join(local, 't'), at('/')])).toMatchObject({ status: 0, stderr: '' });
    expect((await readdir(join(serve.root, 't', 'sub'))).sort()).toEqual(['b', 'c']);
    expect(await readFile(join(serve.root, 't', 'a'), 'utf8')).toBe('a');
  });
});
