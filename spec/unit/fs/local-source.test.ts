// sendLocalPaths() against a recording source: what it announces for each
// local path (docs/protocol.md §4.1), and how it reports what it cannot send.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readdir, symlink, utimes, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScpipeError } from '../../../lib/errors';
import { sendLocalPaths } from '../../../lib/fs/local-source';
import type { SourceSession } from '../../../lib/fs/local-source-types';
import type { Times } from '../../../lib/protocol/records';
import type { OutgoingFile } from '../../../lib/protocol/source-types';
import { tempDir } from './helpers';

let dir: string;
let cleanup: () => Promise<void>;
let umask: number;
beforeEach(async () => {
  umask = process.umask(0o022); // the D modes below are those of mkdir() under 022
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  process.umask(umask);
  await cleanup();
});

/** Records the calls; refuses the names in `refuse` like a sink's \1. */
class Recorder implements SourceSession {
  readonly events: string[] = [];
  readonly files: (Omit<OutgoingFile, 'body'> & { data: string })[] = [];
  readonly errors: ScpipeError[] = [];
  constructor(private readonly refuse: string[] = [], private readonly read = true) {}

  async sendFile(file: OutgoingFile): Promise<boolean> {
    this.events.push(`C ${file.name}`);
    if (this.refuse.includes(file.name) || !this.read) return false; // the body is never read
    const chunks: Buffer[] = [];
    for await (const c of file.body) chunks.push(Buffer.from(c));
    const { body: _body, ...rest } = file;
    this.files.push({ ...rest, data: Buffer.concat(chunks).toString() });
    return true;
  }
  async enterDirectory(name: string, mode: number, times?: Times): Promise<boolean> {
    this.events.push(`D${mode.toString(8).padStart(4, '0')} ${name}${times ? ` T${times.mtime}` : ''}`);
    return !this.refuse.includes(name);
  }
  async leaveDirectory(): Promise<void> {
    this.events.push('E');
  }
  reportLocalError(error: ScpipeError): void {
    this.errors.push(error);
    this.events.push(`! ${error.message}`);
  }
}

const plain = { recursive: false, preserve: false };
const deep = { recursive: true, preserve: true };

describe('sendLocalPaths', () => {
  it('announces a file by its basename with its mode, size and whole-second times', async () => {
    const f = join(dir, 'sp ace.txt');
    await writeFile(f, 'hello');
    await chmod(f, 0o4751);
    await utimes(f, 1_100_000_000.75, 1_000_000_000.9);
    const rec = new Recorder();
    await sendLocalPaths(rec, [f], { ...plain, preserve: true });
    expect(rec.files).toEqual([
      { name: 'sp ace.txt', size: 5n, mode: 0o4751, times: { mtime: 1_000_000_000n, atime: 1_100_000_000n }, excess: 'ignore', onProgress: undefined, data: 'hello', localPath: f },
    ]);
  });

  it('sends no times without -p, and reports progress through onFileStart', async () => {
    await writeFile(join(dir, 'f'), 'abc');
    const seen: string[] = [];
    const rec = new Recorder();
    await sendLocalPaths(rec, [join(dir, 'f')], {
      ...plain,
      onFileStart: (path, size) => {
        seen.push(`${path} ${size}`);
        return (sent) => seen.push(`sent ${sent}`);
      },
    });
    expect(rec.files[0]!.times).toBeUndefined();
    rec.files[0]!.onProgress!(3n);
    expect(seen).toEqual([`${dir}/f 3`, 'sent 3']);
  });

  it('with sha256: the sum of the bytes sent, only the first size bytes of a file that grew; none for a file not stored', async () => {
    const sum = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
    const data = randomBytes(300_000);
    await writeFile(join(dir, 'grows'), data);
    await writeFile(join(dir, 'refused'), 'x');
    const sent: [string, bigint, string | undefined][] = [];
    // A file that grows between the fstat and the read: scp sends the size it announced.
    const rec = new (class extends Recorder {
      override async sendFile(file: OutgoingFile): Promise<boolean> {
        if (file.name === 'grows') await appendFile(join(dir, 'grows'), 'more bytes');
        return super.sendFile(file);
      }
    })(['refused']);
    await sendLocalPaths(rec, [join(dir, 'grows'), join(dir, 'refused')], { ...plain, sha256: true, onFileSent: (p, n, s) => sent.push([p, n, s]) });
    expect(sent).toEqual([[join(dir, 'grows'), 300_000n, sum(data)]]);
  });

  it('walks a tree with -r: D, entries, E; strips trailing slashes', async () => {
    await mkdir(join(dir, 'tree/sub'), { recursive: true });
    await chmod(join(dir, 'tree'), 0o750);
    await writeFile(join(dir, 'tree/sub/x'), 'x');
    await utimes(join(dir, 'tree/sub'), 8, 9);
    await utimes(join(dir, 'tree'), 5, 7);
    const rec = new Recorder();
    await sendLocalPaths(rec, [`${dir}/tree///`], deep);
    expect(rec.events).toEqual(['D0750 tree T7', 'D0755 sub T9', 'C x', 'E', 'E']);
  });

  it('skips the subtree the sink refused: no entries, no E', async () => {
    await mkdir(join(dir, 'tree/no'), { recursive: true });
    await writeFile(join(dir, 'tree/no/x'), 'x');
    const rec = new Recorder(['no']);
    await sendLocalPaths(rec, [join(dir, 'tree')], { recursive: true, preserve: false });
    expect(rec.events).toEqual(['D0755 tree', 'D0755 no', 'E']);
  });

  it('refuses ".", "..", "/" and "x/.." by name and goes on', async () => {
    await writeFile(join(dir, 'f'), 'f');
    const rec = new Recorder();
    await sendLocalPaths(rec, ['.', '..', '/', `${dir}/..`, join(dir, 'f')], deep);
    expect(rec.events).toEqual([
      '! .: cannot send "." by name; name the files or directory inside',
      '! ..: cannot send ".." by name; name the files or directory inside',
      '! /: cannot send "/" by name; name the files or directory inside',
      `! ${dir}/..: cannot send ".." by name; name the files or directory inside`,
      'C f',
    ]);
    expect(rec.errors.map((e) => e.code)).toEqual(['ERR_USAGE', 'ERR_USAGE', 'ERR_USAGE', 'ERR_USAGE']);
  });

  it('reports a directory without -r, a FIFO and a device as "not a regular file"', async () => {
    await mkdir(join(dir, 'd'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const rec = new Recorder();
    await sendLocalPaths(rec, [join(dir, 'd'), join(dir, 'fifo'), '/dev/null'], plain);
    expect(rec.events).toEqual([`! ${dir}/d: not a regular file`, `! ${dir}/fifo: not a regular file`, '! /dev/null: not a regular file']);
    expect(rec.errors[0]).toMatchObject({ code: 'ERR_LOCAL_IO', path: `${dir}/d` });
  });

  it('follows symlinks like OpenSSH; a dangling one is "No such file or directory"', async () => {
    await writeFile(join(dir, 'real'), 'content');
    await symlink('real', join(dir, 'link'));
    await symlink('nowhere', join(dir, 'dangling'));
    const rec = new Recorder();
    await sendLocalPaths(rec, [join(dir, 'link'), join(dir, 'dangling')], plain);
    expect(rec.files.map((f) => [f.name, f.data])).toEqual([['link', 'content']]);
    expect(rec.events[1]).toBe(`! ${dir}/dangling: No such file or directory`);
  });

  it('reports a symlink loop once and sends the rest', async () => {
    await mkdir(join(dir, 'tree/sub'), { recursive: true });
    await symlink('..', join(dir, 'tree/sub/up'));
    await writeFile(join(dir, 'tree/sub/f'), 'f');
    const rec = new Recorder();
    await sendLocalPaths(rec, [join(dir, 'tree')], { recursive: true, preserve: false });
    expect(rec.events.filter((e) => e.startsWith('!'))).toEqual([
      `! ${dir}/tree/sub/up: directory loop (a symbolic link to a parent), not sent`,
    ]);
    expect(rec.events.filter((e) => !e.startsWith('!'))).toEqual(['D0755 tree', 'D0755 sub', 'C f', 'E', 'E']);
  });

  it('refuses names with a newline or invalid UTF-8, escaped in the message', async () => {
    await mkdir(join(dir, 'tree'));
    await writeFile(join(dir, 'tree', 'a\nb'), 'x');
    await writeFile(Buffer.concat([Buffer.from(`${dir}/tree/bad`), Buffer.from([0xff])]), 'x');
    await writeFile(join(dir, 'tree', 'ok'), 'x');
    const rec = new Recorder();
    await sendLocalPaths(rec, [join(dir, 'tree')], { recursive: true, preserve: false });
    expect(rec.events.filter((e) => e.startsWith('!')).sort()).toEqual([
      `! ${dir}/tree/a\\nb: cannot send the name "a\\nb": it contains a newline`,
      `! ${dir}/tree/bad\\xff: name is not valid UTF-8, not sent`,
    ]);
    expect(rec.files.map((f) => f.name)).toEqual(['ok']);
  });

  it('closes the file when the sink refuses it before the body is read', async () => {
    await writeFile(join(dir, 'f'), 'x'.repeat(100000));
    const before = (await readdir('/proc/self/fd')).length;
    const rec = new Recorder([], false);
    for (let i = 0; i < 20; i++) await sendLocalPaths(rec, [join(dir, 'f')], plain);
    expect((await readdir('/proc/self/fd')).length).toBeLessThanOrEqual(before);
  });

  it('rejects a pre-aborted signal before sending anything', async () => {
    await writeFile(join(dir, 'f'), 'x');
    const rec = new Recorder();
    const ac = new AbortController();
    ac.abort();
    await expect(sendLocalPaths(rec, [join(dir, 'f')], { ...plain, signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(rec.events).toEqual([]);
  });
});
