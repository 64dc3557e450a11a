// One exec request on `scpipe serve`, driven through an in-memory exec
// channel playing OpenSSH's `scp` client: where uploads land, what the client
// is told, and what the log says. The real client runs in spec/e2e/serve.test.ts.
import { lstat, mkdir, mkdtemp, readFile, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEventListeners } from 'node:events';
import { Duplex, PassThrough } from 'node:stream';
import type { ServerChannel } from 'ssh2';
import { Jail } from '../../../lib/server/jail';
import { runSession } from '../../../lib/server/session';

// An ssh2 server exec channel whose client has already sent `input`, then
// EOF at once (an uploading client is done) or only once the exit status came
// (a downloading client that waits for the whole file).
class FakeExecChannel extends Duplex {
  readonly stderr = new PassThrough();
  exitCode?: number;
  private readonly out: Buffer[] = [];

  constructor(input: Buffer, private readonly eofAtExit: boolean) {
    super();
    this.push(input);
    if (!eofAtExit) this.push(null);
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.out.push(chunk);
    done();
  }

  exit(code: number): void {
    this.exitCode = code;
    if (this.eofAtExit) this.push(null);
  }

  close(): void {
    this.destroy();
  }

  /** What the server sent the client. */
  sent(): string {
    return Buffer.concat(this.out).toString('latin1');
  }
}

// Runs `command` with the client sending `input`; returns what came back and the log.
async function session(jail: Jail, command: string, input = '', signal?: AbortSignal): Promise<{ sent: string; exit?: number; log: string[] }> {
  const channel = new FakeExecChannel(Buffer.from(input, 'latin1'), command.startsWith('scp -f'));
  const log: string[] = [];
  await runSession(channel as unknown as ServerChannel, command, { jail, readOnly: false, verbose: false, who: 'me', log: (l) => log.push(l), signal });
  return { sent: channel.sent(), exit: channel.exitCode, log };
}

// base/
//   root/a/b/
//   root/sub -> <root>/a/b
//   root/L   -> sub/../../x          the kernel: root/x; lexically: base/x
//   root/L2  -> sub/../../../x       the kernel: base/x (outside)
let base: string;
let root: string;
let jail: Jail;
beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'scpipe-test-session-')));
  root = join(base, 'root');
  await mkdir(join(root, 'a', 'b'), { recursive: true });
  await symlink(join(root, 'a', 'b'), join(root, 'sub'));
  await symlink('sub/../../x', join(root, 'L'));
  await symlink('sub/../../../x', join(root, 'L2'));
  jail = await Jail.create(root);
});
afterEach(() => rm(base, { recursive: true, force: true }));

const upload = (name: string, data: string): string => `C0644 ${data.length} ${name}\n${data}\0`;

describe('uploads through a dangling symlink', () => {
  it('land where the jail checked, as open() would: sub/../../x is root/x, never <root>/../x', async () => {
    const r = await session(jail, 'scp -t /L', upload('up', 'data'));
    expect(r).toMatchObject({ sent: '\0\0\0', exit: 0 });
    expect(await readFile(join(root, 'x'), 'utf8')).toBe('data');
    await expect(lstat(join(base, 'x'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(r.log).toEqual(['me stored /x 4 bytes', 'me upload /L 4 bytes ok']);
  });

  it('are refused with a clear message when `..` climbs out after a symlink is followed', async () => {
    const r = await session(jail, 'scp -t /L2', upload('up', 'data'));
    expect(r).toMatchObject({ sent: '\x01scp: /L2: Permission denied (symbolic link leads outside the root)\n', exit: 1 });
    await expect(lstat(join(base, 'x'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(r.log).toEqual(['me upload /L2 0 bytes failed: /L2: Permission denied (symbolic link leads outside the root)']);
  });
});

describe('messages show paths as the client sees them', () => {
  it('hides the root only where it begins a path, not inside a client path that contains it', async () => {
    await mkdir(join(root, 'in', ...root.split('/').filter(Boolean)), { recursive: true });
    const path = `/in${root}/d`; // a directory named like the root's path, below the root
    await mkdir(join(root, path, 'sub'), { recursive: true });
    const r = await session(jail, `scp -t ${path}`, 'C0644 1 sub\n'); // refused: the client sends no body
    expect(r.sent).toBe(`\0\x01scp: ${path}/sub: Is a directory\n`); // from the local sink
    await expect(session(jail, `scp -t ${path}/nope/x`)).resolves.toMatchObject({
      sent: `\x01scp: ${path}/nope/x: No such file or directory\n`,
      exit: 1,
    });
  });

  // The local sink's messages named the client's file raw: its escape
  // sequences and CR went into the log as they came. The reply carries the
  // name as the client sent it, as OpenSSH's scp -t does: the client escapes
  // what it prints, and an escaped name showed its backslashes doubled.
  it('escapes the name a client sent in the log line, and sends it back as sent', async () => {
    await mkdir(join(root, 'e\x1b[2K\r'));
    const r = await session(jail, 'scp -t /', 'C0644 1 e\x1b[2K\r\n');
    expect(r.sent).toBe('\0\x01scp: /e\x1b[2K\r: Is a directory\n');
    expect(r.log).toEqual(['me upload / 0 bytes failed: /e\\x1b[2K\\r: Is a directory']);
  });

  it('hides a root whose path is escaped in messages (a backslash in it)', async () => {
    const odd = join(base, 'ro\\ot');
    await mkdir(join(odd, 'sub'), { recursive: true });
    const r = await session(await Jail.create(odd), 'scp -t /', 'C0644 1 sub\n');
    expect(r.sent).toBe('\0\x01scp: /sub: Is a directory\n');
    expect(r.log).toEqual(['me upload / 0 bytes failed: /sub: Is a directory']);
  });

  it('with / as the root, leaves messages and log lines as they are', async () => {
    const all = new Jail('/');
    const r = await session(all, `scp -t ${root}/nope/x`, upload('up', 'data'));
    expect(r).toMatchObject({ sent: `\x01scp: ${root}/nope/x: No such file or directory\n`, exit: 1 });
    expect(r.log).toEqual([`me upload ${root}/nope/x 0 bytes failed: ${root}/nope/x: No such file or directory`]);
    const ok = await session(all, `scp -t ${root}/a/b`, upload('f', 'four'));
    expect(ok).toMatchObject({ sent: '\0\0\0', exit: 0 });
    expect(ok.log).toEqual([`me stored ${root}/a/b/f 4 bytes`, `me upload ${root}/a/b 4 bytes ok`]);
    expect(await readFile(join(root, 'a', 'b', 'f'), 'utf8')).toBe('four');
  });
});

// The server's stop signal lives as long as it does: a session that left a
// listener on it would be kept in memory until the server stops.
it('leaves no listener on the server\'s stop signal once an upload or a download ended', async () => {
  const stop = new AbortController();
  await expect(session(jail, 'scp -t /a', upload('f', 'four'), stop.signal)).resolves.toMatchObject({ exit: 0 });
  await expect(session(jail, 'scp -f /a/f', '\0\0\0', stop.signal)).resolves.toMatchObject({ exit: 0 });
  await expect(session(jail, 'scp -t /nope/x', upload('f', 'four'), stop.signal)).resolves.toMatchObject({ exit: 1 });
  expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
});

describe('logging', () => {
  // Logged at every refusal, -v or not: a 30 000-character command of
  // control characters made one log line of 120 KiB per exec request.
  // The client's scp escapes what it prints (OpenSSH's through vis(3)): sent
  // escaped, `scp -\xe9` came out there as `-\\xe9`. The log escapes it once.
  it('names a refused option by its bytes in the \\1 line, escaped in the log', async () => {
    const r = await session(jail, 'scp -\uDCE9\x1b -t x'); // the exec command's byte E9 (exec-bytes.ts)
    expect(r).toMatchObject({ sent: '\x01scp: scpipe serve: option not allowed: -\xe9\x1b\n', exit: 1 });
    expect(r.log).toEqual(['me refused command: scp -\\xe9\\x1b -t x']);
  });

  // Raw, a quoted newline would end the \1 line and the rest be read as a record.
  it('keeps a refused option with a newline in one \\1 line', async () => {
    const r = await session(jail, "scp '-x\nC0644 1 evil' -t y");
    expect(r).toMatchObject({ sent: '\x01scp: scpipe serve: option not allowed: -x C0644 1 evil\n', exit: 1 });
  });

  it('logs a refused command cut to its first 1000 characters', async () => {
    const r = await session(jail, `\x1b${'\x1b'.repeat(30_000)}`);
    expect(r.exit).toBe(1);
    expect(r.log).toHaveLength(1);
    expect(r.log[0]).toBe(`me refused command: ${'\\x1b'.repeat(1000)}…`);
  });

  it('counts every uploaded byte, across files and chunks', async () => {
    const big = 'y'.repeat(300000);
    const r = await session(jail, 'scp -r -t /a', `D0755 0 t\n${upload('one', big)}${upload('two', 'zz')}E\n`);
    expect(r.exit).toBe(0);
    expect(r.log).toEqual(['me stored /a/t/one 300000 bytes', 'me stored /a/t/two 2 bytes', `me upload /a ${big.length + 2} bytes ok`]);
    expect(await readFile(join(root, 'a', 't', 'two'), 'utf8')).toBe('zz');
  });

  it('counts the bytes of a download', async () => {
    await session(jail, 'scp -t /a', upload('f', 'hello'));
    const r = await session(jail, 'scp -f /a/f', '\0\0\0\0');
    expect(r.sent).toBe('C0644 5 f\nhello\0');
    expect(r.log).toEqual(['me download /a/f 5 bytes ok']);
  });
});

describe('the root has no name of its own', () => {
  // In a ChrootDirectory, OpenSSH's `scp -r -f /` sends `D0755 0 \n` (the
  // basename of "/" is empty), which every sink since 8.0 refuses. We refuse
  // at the source with a reason, and never send the real root's basename.
  it.each([
    ['/', '/'],
    ['.', '.'],
    ['/..', '/..'],
    ['~', '/'], // command-line.ts: the root is the home
    ['/a/..', '/a/..'],
  ])('scp -r -f %s is refused without naming the real root', async (path, shown) => {
    const r = await session(jail, `scp -r -f ${path}`, '\0\0\0\0');
    expect(r.sent).not.toMatch(/^D/m);
    expect(r.sent).toBe(`\x01scp: ${shown}: cannot send the root directory by name; name the files or directories inside it\n`);
    expect(r.exit).toBe(1);
  });

  it('a directory below the root is still sent by its own name', async () => {
    const r = await session(jail, 'scp -r -f /a', '\0\0\0\0\0\0');
    expect(r.sent).toMatch(/^D0\d{3} 0 a\nD0\d{3} 0 b\nE\nE\n$/);
    expect(r.exit).toBe(0);
  });
});

describe('a protocol error from the client', () => {
  // OpenSSH's sink (scp.c, SCREWUP): run_err("protocol error: %s") sends
  // `\1scp: protocol error: <why>` and exits 1.
  it('a stray first line is echoed back as OpenSSH echoes a shell\'s "No match.", with exit status 1', async () => {
    const r = await session(jail, 'scp -t /a', 'Xgarbage\n');
    expect(r.sent).toBe('\0\x01scp: Xgarbage\n');
    expect(r.exit).toBe(1);
  });

  it.each([
    ['a garbage record', 'T1 0 1 0\nXgarbage\n', '\0\0', 'expected control record'], // after the T's ack
    ['a bad mode', 'C0x44 1 f\nz\0', '\0', 'bad mode'],
    ['a size out of range', 'C0644 99999999999999999999999 f\n', '\0', 'size out of range'],
  ])('%s gets \\1scp: protocol error and exit status 1', async (_what, input, acks, why) => {
    const r = await session(jail, 'scp -t /a', input);
    expect(r.sent).toBe(`${acks}\x01scp: protocol error: ${why}\n`);
    expect(r.exit).toBe(1);
    expect(r.log).toEqual([`me upload /a 0 bytes failed: protocol error: ${why}`]);
  });
});
