// scpipe's own uploads into `scpipe serve --append-only`: put over SFTP and
// SCP, parts with their manifest, cp -r, and what an upload onto an existing
// name, and --remove-stale, say there.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STALE_AFTER_S } from '../../lib';
import { runCli, startCli } from '../helpers/cli';
import { startTcpRelay } from '../helpers/tcp-relay';
import { stallingInput, tempWithBytes } from '../helpers/upload-temp';
import type { Socket } from 'node:net';
import { emptyRoot, servePerSuite } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite(['--append-only']);
const localDir = tempDirPerTest('scpipe-test-append-client-');
let local: string;
beforeEach(() => {
  local = localDir();
});
afterEach(() => emptyRoot(serve));

const at = (path: string): string => `backup@127.0.0.1:${path}`;
const LEFT = '2 temporary file(s) left by interrupted uploads stay there; the upload goes on';

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

  // Nothing may be removed there: the sweep says so once and the upload goes on.
  it.each([['put', 'f.bin', [], '.f.bin.scpipe-AbCdE1'], ['put --part-size', 'set', ['--part-size', '64K'], '.set.000000.scpipe-AbCdE1']])(
    '%s --remove-stale stores the upload and says once that the leftovers stay', async (_name, target, extra, leftover) => {
      const old = new Date(Date.now() - (STALE_AFTER_S + 60) * 1000);
      for (const name of [leftover, leftover.replace('AbCdE1', 'AbCdE2')]) {
        await writeFile(join(serve.root, name), 'left by a killed upload');
        await utimes(join(serve.root, name), old, old);
      }
      const r = await runCli(['put', ...serve.scpipeArgs(), '-s', '-q', '--remove-stale', ...extra, at(`/${target}`)], { stdin: 'data' });
      expect(r.status).toBe(0);
      const [one, two] = [leftover, leftover.replace('AbCdE1', 'AbCdE2')].map((n) => `/${n}: remove: /${n}: append-only server: nothing is removed`);
      expect([`scpipe: warning: --remove-stale: ${one}: ${LEFT}\n`, `scpipe: warning: --remove-stale: ${two}: ${LEFT}\n`]).toContain(r.stderr); // listing order
      const stored = extra.length ? `${target}.000000` : target;
      expect(await readFile(join(serve.root, stored), 'utf8')).toBe('data');
      expect((await readdir(serve.root)).filter((n) => n.includes('scpipe-')).sort()).toEqual([leftover, leftover.replace('AbCdE1', 'AbCdE2')]);
      expect(serve.log()).toContain(`sftp remove refused: /${leftover.slice(0, -1)}`); // 1 or 2, by listing order
    });

  // A retry reopens its temporary file, which holds no stored backup yet.
  it('put over SFTP rides over a dropped connection: the retry goes on in its temporary file', async () => {
    const sockets: Socket[] = [];
    const relay = await startTcpRelay(serve.port, (client, upstream) => {
      sockets.push(client, upstream);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    try {
      const knownHosts = join(local, 'known_hosts');
      await writeFile(knownHosts, (await readFile(serve.knownHostsPath, 'utf8')).replace(`]:${serve.port} `, `]:${relay.port} `));
      const args = serve.scpipeArgs().map((a) => (a === String(serve.port) ? String(relay.port) : a.replace(serve.knownHostsPath, knownHosts)));
      const input = stallingInput();
      const run = startCli(['put', ...args, '-s', '-q', '--retries', '2', at('/r.bin')], { stdin: input });
      await tempWithBytes(serve.root, 'r.bin');
      sockets.splice(0).forEach((s) => s.destroy());
      input.push(Buffer.alloc(1024, 6));
      input.push(null);
      const r = await run.done;
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/retry/);
      expect((await readFile(join(serve.root, 'r.bin'))).equals(Buffer.concat([Buffer.alloc(1024 * 1024, 5), Buffer.alloc(1024, 6)]))).toBe(true);
      expect(await readdir(serve.root)).toEqual(['r.bin']);
    } finally {
      await relay.close();
    }
  });

  // The parts a run stored stay; a run sending the same set again (a retry
  // whose acknowledgement was lost) finds each part with its own bytes.
  it.each([['SCP', []], ['SFTP', ['-s']]])('put --part-size over %s sends parts again that are there with the same bytes', async (_name, extra) => {
    const data = randomBytes(200_000);
    const put = ['put', ...serve.scpipeArgs(), ...extra, '-q', '--part-size', '64K', at('/again')];
    expect(await runCli(put, { stdin: data })).toMatchObject({ status: 0, stderr: '' });
    await rm(join(serve.root, 'again.sha256')); // as if the first run had been cut before its manifest
    expect(await runCli(put, { stdin: data })).toMatchObject({ status: 0, stderr: '' });
    const got = await runCli(['get', ...serve.scpipeArgs(), '-q', at('/again')]);
    expect(got.stdout.equals(data)).toBe(true);
    if (extra.length) expect(serve.log()).toMatch(/ \/again\.000000 \(the name held the same bytes already: kept\) ok/);
  });

  it('put --part-size onto names taken ahead with junk fails, and says that nothing there was written over', async () => {
    await writeFile(join(serve.root, 'taken.000001'), 'junk'); // a part's name, the part's size: refused once received
    await writeFile(join(serve.root, 'mtaken.sha256'), 'junk'); // the manifest's name
    const put = (name: string): Promise<{ status: number | null; stderr: string }> =>
      runCli(['put', ...serve.scpipeArgs(), '-q', '--part-size', '4', at(`/${name}`)], { stdin: 'real backup data' });
    const part = await put('taken');
    expect(part.status).toBe(1);
    expect(part.stderr).toMatch(/^scpipe: remote: scp: \/taken\.000001: Permission denied \(append-only server: it exists, and existing files are not replaced\); the parts set taken is incomplete \(no manifest taken\.sha256\): \d part\(s\) confirmed remotely: [^;]*; an append-only server writes over nothing; give each run a name of its own\n$/);
    const manifest = await put('mtaken');
    expect(manifest.status).toBe(1);
    expect(manifest.stderr).toBe('scpipe: remote: scp: /mtaken.sha256: Permission denied (append-only server: it exists, and existing files are not replaced); the parts set mtaken is incomplete (4 part(s) confirmed remotely: mtaken.000000..mtaken.000003); the earlier set of that name (mtaken.sha256) is as it was: an append-only server writes over nothing; give each run a name of its own\n');
    expect(await readFile(join(serve.root, 'taken.000001'), 'utf8')).toBe('junk');
    expect(await readFile(join(serve.root, 'mtaken.sha256'), 'utf8')).toBe('junk');
  });
});
