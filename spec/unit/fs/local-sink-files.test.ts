// The local sink and C records: target resolution, modes and times, and the
// temp file that makes a failed transfer lose nothing (docs/protocol.md §4.3).
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { createLocalSink } from '../../../lib/fs/local-sink';
import { modeOf, openOrThrow, receive, tempDir, tempFilesIn, type IncomingFile } from './helpers';

/** The ordinary account of the test set-up. */
const TEST_ACCOUNT = 'scpipe-user';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const plain = { preserve: false, recursive: false, umask: 0o022 };

// Root may write any file, so a refusal shows only without its privileges: as
// root (CI), the sink runs in a child as the ordinary test account
// (scripts/install-test-deps.sh), which owns `dir` but not the file in it.
async function receiveUnprivileged(target: string, file: IncomingFile): Promise<{ refused?: string; error?: string }> {
  if (process.getuid?.() !== 0) return receive(await createLocalSink(target, plain), file);
  const uid = Number(execFileSync('id', ['-u', TEST_ACCOUNT], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', TEST_ACCOUNT], { encoding: 'utf8' }));
  const build = await mkdtemp(join(tmpdir(), 'scpipe-test-child-'));
  try {
    await chmod(build, 0o755);
    const entry = join(build, 'entry.ts');
    await writeFile(entry, [
      `import { createLocalSink } from ${JSON.stringify(join(__dirname, '../../../lib/fs/local-sink'))};`,
      `import { receive } from ${JSON.stringify(join(__dirname, 'helpers'))};`,
      'const [target, file] = [process.argv[2]!, JSON.parse(process.argv[3]!)];',
      `createLocalSink(target, ${JSON.stringify(plain)}).then((sink) => receive(sink, file)).then((r) => process.stdout.write(JSON.stringify(r)));`,
    ].join('\n'));
    const bundle = join(build, 'child.js');
    buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'silent' });
    await chmod(bundle, 0o644);
    await chown(target, uid, gid);
    const args = ['--reuid', String(uid), '--regid', String(gid), '--clear-groups', process.execPath, bundle, target, JSON.stringify(file)];
    const out = execFileSync('setpriv', args, { encoding: 'utf8', timeout: 30_000 });
    return JSON.parse(out) as { refused?: string; error?: string };
  } finally {
    await rm(build, { recursive: true, force: true });
  }
}
const keep = { preserve: true, recursive: false, umask: 0o022 };

describe('target resolution', () => {
  it('writes into an existing directory under the announced name', async () => {
    const sink = await createLocalSink(dir, plain);
    expect(await receive(sink, { name: 'sp ace.txt', mode: 0o644, data: 'hello' })).toEqual({});
    expect(await readFile(join(dir, 'sp ace.txt'), 'utf8')).toBe('hello');
    expect(await modeOf(join(dir, 'sp ace.txt'))).toBe('0644');
  });

  it('writes to a missing target under the target name, whatever the record says', async () => {
    const sink = await createLocalSink(join(dir, 'renamed'), plain);
    expect(await receive(sink, { name: 'other', mode: 0o644, data: 'abc' })).toEqual({});
    expect(await readdir(dir)).toEqual(['renamed']);
  });

  it('replaces an existing target file, shorter content included', async () => {
    await writeFile(join(dir, 'f'), 'a much longer old content');
    const sink = await createLocalSink(join(dir, 'f'), plain);
    await receive(sink, { name: 'f', mode: 0o644, data: 'new' });
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('new');
  });

  it('refuses a missing parent with OpenSSH wording and creates nothing', async () => {
    const sink = await createLocalSink(join(dir, 'missing', 'f'), plain);
    expect(await receive(sink, { name: 'f', mode: 0o644, data: 'abc' })).toEqual({
      refused: `${dir}/missing/f: No such file or directory`,
    });
    expect(await readdir(dir)).toEqual([]);
  });

  // `scp host:f restore/` with no restore: refused at the C record, as
  // OpenSSH's open() refuses it, not after the body filled a temp file.
  it('refuses a target ending in / that is not a directory before the body, and creates nothing', async () => {
    await writeFile(join(dir, 'file'), 'old');
    for (const [name, why] of [['nodir', 'No such file or directory'], ['file', 'Not a directory']]) {
      const sink = await createLocalSink(join(dir, `${name}/`), plain);
      expect(await receive(sink, { name: 'f', mode: 0o644, data: 'abc' })).toEqual({ refused: `${dir}/${name}/: ${why}` });
    }
    expect(await readdir(dir)).toEqual(['file']);
    expect(await readFile(join(dir, 'file'), 'utf8')).toBe('old');
  });

  it('refuses to replace a directory with a file', async () => {
    await mkdir(join(dir, 'd'));
    const sink = await createLocalSink(dir, plain);
    expect(await receive(sink, { name: 'd', mode: 0o644, data: 'x' })).toEqual({ refused: `${dir}/d: Is a directory` });
  });

  it('writes straight into /dev/null (no temp file, no truncate, no chmod)', async () => {
    const sink = await createLocalSink('/dev/null', keep);
    expect(await receive(sink, { name: 'x', mode: 0o600, data: randomBytes(300000) })).toEqual({});
    expect(await modeOf('/dev/null')).toBe('0666');
    expect((await stat('/dev/null')).isCharacterDevice()).toBe(true);
  });

  it('reports a write error of a device once, after the body (/dev/full)', async () => {
    const sink = await createLocalSink('/dev/full', plain);
    expect(await receive(sink, { name: 'x', mode: 0o600, data: Buffer.alloc(100000) })).toEqual({
      error: '/dev/full: No space left on device',
    });
  });
});

describe('modes', () => {
  it('keeps the mode of an existing file without -p, sets it with -p', async () => {
    await writeFile(join(dir, 'f'), 'old', { mode: 0o600 });
    await receive(await createLocalSink(dir, plain), { name: 'f', mode: 0o644, data: 'new' });
    expect(await modeOf(join(dir, 'f'))).toBe('0600');
    await receive(await createLocalSink(dir, keep), { name: 'f', mode: 0o640, data: 'newer' });
    expect(await modeOf(join(dir, 'f'))).toBe('0640');
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('newer');
  });

  it('clears setuid/setgid without -p and keeps them with -p', async () => {
    await receive(await createLocalSink(dir, plain), { name: 'a', mode: 0o4755, data: 'x' });
    await receive(await createLocalSink(dir, plain), { name: 'b', mode: 0o2755, data: 'x' });
    await receive(await createLocalSink(dir, keep), { name: 'c', mode: 0o4755, data: 'x' });
    await receive(await createLocalSink(dir, keep), { name: 'd', mode: 0o6711, data: 'x' });
    expect([await modeOf(join(dir, 'a')), await modeOf(join(dir, 'b'))]).toEqual(['0755', '0755']);
    expect([await modeOf(join(dir, 'c')), await modeOf(join(dir, 'd'))]).toEqual(['4755', '6711']);
  });

  it('applies the umask to new files without -p, not with -p', async () => {
    await receive(await createLocalSink(dir, { ...plain, umask: 0o077 }), { name: 'a', mode: 0o644, data: 'x' });
    await receive(await createLocalSink(dir, { ...plain, umask: 0o027 }), { name: 'b', mode: 0o666, data: 'x' });
    await receive(await createLocalSink(dir, { ...keep, umask: 0o077 }), { name: 'c', mode: 0o666, data: 'x' });
    expect([await modeOf(join(dir, 'a')), await modeOf(join(dir, 'b')), await modeOf(join(dir, 'c'))]).toEqual([
      '0600',
      '0640',
      '0666',
    ]);
  });

  it('defaults the umask to the process umask', async () => {
    const old = process.umask(0o037);
    try {
      await receive(await createLocalSink(dir, { preserve: false, recursive: false }), { name: 'a', mode: 0o777, data: 'x' });
    } finally {
      process.umask(old);
    }
    expect(await modeOf(join(dir, 'a'))).toBe('0740');
  });

  it('stores a read-only file (C0400)', async () => {
    expect(await receive(await createLocalSink(dir, plain), { name: 'ro', mode: 0o400, data: 'x' })).toEqual({});
    expect(await modeOf(join(dir, 'ro'))).toBe('0400');
  });
});

describe('times (-p)', () => {
  it('sets mtime and atime with microseconds', async () => {
    const times = { mtime: 1_000_000_000n, mtimeUsec: 123456, atime: 1_100_000_000n, atimeUsec: 654321 };
    await receive(await createLocalSink(dir, keep), { name: 't', mode: 0o644, data: 'x', times });
    const st = await stat(join(dir, 't'), { bigint: true });
    expect(st.mtimeNs / 1000n).toBe(1_000_000_000_123_456n);
    expect(st.atimeNs / 1000n).toBe(1_100_000_000_654_321n);
  });
});

describe('a failed transfer loses nothing', () => {
  it('keeps the old file when the source ends with \\1 (finish ok:false)', async () => {
    await writeFile(join(dir, 'f'), 'precious', { mode: 0o640 });
    const sink = await createLocalSink(dir, keep);
    expect(await receive(sink, { name: 'f', mode: 0o600, data: randomBytes(200000) }, { ok: false })).toEqual({});
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('precious');
    expect(await modeOf(join(dir, 'f'))).toBe('0640');
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('keeps the old file and leaves no temp file after abort() mid-body', async () => {
    await writeFile(join(dir, 'f'), 'precious');
    const w = await openOrThrow(await createLocalSink(dir, plain), { name: 'f', mode: 0o644, data: '' }, 1000000n);
    await w.write(Buffer.alloc(5000, 1));
    expect(await tempFilesIn(dir)).toHaveLength(1);
    await w.abort();
    await w.abort(); // idempotent
    expect(await readdir(dir)).toEqual(['f']);
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('precious');
  });

  it('receives into a private temp file and renames only at the end', async () => {
    const w = await openOrThrow(await createLocalSink(dir, plain), { name: 'f', mode: 0o644, data: '' }, 3n);
    await w.write(Buffer.from('abc'));
    const [temp] = await tempFilesIn(dir);
    expect(temp).toMatch(/^\.f\.scpipe-\d+-[A-Za-z0-9]{12}$/);
    expect(await modeOf(join(dir, temp!))).toBe('0600');
    expect(await readdir(dir)).toEqual([temp]);
    expect(await w.finish({ ok: true })).toBeUndefined();
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('does not store a body of the wrong size', async () => {
    const w = await openOrThrow(await createLocalSink(dir, plain), { name: 'f', mode: 0o644, data: '' }, 10n);
    await w.write(Buffer.from('abc'));
    expect(String(await w.finish({ ok: true }))).toBe(`${dir}/f: received 3 of 10 bytes`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses to replace a file it may not write, like OpenSSH (run as an ordinary account, also under root)', async () => {
    await writeFile(join(dir, 'f'), 'old');
    await chmod(join(dir, 'f'), 0o444);
    const result = await receiveUnprivileged(dir, { name: 'f', mode: 0o644, data: 'new' });
    expect(result).toEqual({ refused: `${dir}/f: Permission denied` });
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['f']);
  });
});

describe('streaming', () => {
  it('stores 64 MiB in odd chunks byte-exact and reports it once', async () => {
    const data = randomBytes(64 * 1024 * 1024);
    const done: [string, bigint][] = [];
    const sink = await createLocalSink(dir, { ...plain, onFileDone: (p, n) => done.push([p, n]) });
    expect(await receive(sink, { name: 'big', mode: 0o644, data }, { chunk: 32771 })).toEqual({});
    const got = await readFile(join(dir, 'big'));
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect(done).toEqual([[`${dir}/big`, BigInt(data.length)]]);
  });

  it('with sha256: the sum of the bytes written, at odd chunk boundaries; none for a file not stored', async () => {
    const sum = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
    const data = randomBytes(1024 * 1024 + 5);
    const done: [string, bigint, string | undefined][] = [];
    const sink = await createLocalSink(dir, { ...plain, sha256: true, onFileDone: (p, n, s) => done.push([p, n, s]) });
    for (const chunk of [1, 7, 65536, 65537]) {
      expect(await receive(sink, { name: `f${chunk}`, mode: 0o644, data }, { chunk })).toEqual({});
    }
    expect(await receive(sink, { name: 'empty', mode: 0o644, data: '' })).toEqual({});
    await receive(sink, { name: 'failed', mode: 0o644, data: 'x' }, { ok: false }); // the source said it failed: not stored
    expect(done).toEqual([
      ...[1, 7, 65536, 65537].map((c) => [`${dir}/f${c}`, BigInt(data.length), sum(data)]),
      [`${dir}/empty`, 0n, sum('')],
    ]);
  });

  it('stores an empty file', async () => {
    expect(await receive(await createLocalSink(dir, plain), { name: 'e', mode: 0o644, data: '' })).toEqual({});
    expect((await stat(join(dir, 'e'))).size).toBe(0);
  });
});

describe("a chunk's memory, told free once written", () => {
  it.each([['plain', false], ['with its SHA-256 taken', true]])('calls released after the write, not before (%s)', async (_, sha256) => {
    const sink = await createLocalSink(join(dir, 'r.bin'), { ...plain, sha256 });
    const data = randomBytes(100_000);
    const writer = await openOrThrow(sink, { name: 'r.bin', mode: 0o644, data });
    let released = 0;
    await writer.write(data, () => released++);
    expect(released).toBe(0); // queued, not yet on disk
    expect(await writer.finish({ ok: true })).toBeUndefined();
    expect(released).toBe(1);
    expect((await readFile(join(dir, 'r.bin'))).equals(data)).toBe(true);
  });
});
