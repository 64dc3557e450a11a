// Inputs refused at start, with exit status 2, before any command runs or any
// connection is tried: the target port is a closed one on 127.0.0.1, so a
// check that came after connecting would end in 255 instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, runCli, runCliWithFile, runOnTerminal, shellQuote } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const dir = tempDirPerTest('scpipe-test-early-');
const CLOSED = ['-F', 'none', '-P', '1', '-o', 'BatchMode=yes'];

describe('--spool-dir is checked at start', () => {
  it.each([
    ['missing', (d: string) => join(d, 'nope'), /bad --spool-dir ".*nope": No such file or directory/],
    ['a file', (d: string) => join(d, 'file'), /bad --spool-dir ".*file": Not a directory/],
    ['not writable (a read-only mount)', () => '/proc', /bad --spool-dir "\/proc": cannot create files there/],
  ])('%s: exit 2, the producer never runs, nothing is connected', async (_what, spoolDir, message) => {
    await writeFile(join(dir(), 'file'), '');
    const marker = join(dir(), 'ran');
    const r = await runCli(['put', ...CLOSED, '--spool-dir', spoolDir(dir()), '127.0.0.1:x', '--', 'touch', marker]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(marker)).toBe(false);
  });
});

// $TMPDIR that cannot take a file was found only at the first spill, past
// --memory, with that much of the producer's output consumed. User sees a
// warning before anything runs (exit 255 here: the port is closed), saying
// when it fails: over SCP past --memory, for parts when those held at once
// do not fit in it. A put that never spools (--size, a regular file, SFTP
// forced, parts that fit in --memory) says nothing, nor does auto before SCP
// is chosen (spool-warning.test.ts).
describe('a default spool directory that cannot take files is warned of at start', () => {
  it.each([
    ['missing', (d: string) => join(d, 'nope'), 'No such file or directory'],
    ['a file', (d: string) => join(d, 'file'), 'Not a directory'],
  ])('%s', async (_what, tmp, why) => {
    await writeFile(join(dir(), 'file'), '');
    const env = { TMPDIR: tmp(dir()) };
    const warning = (fails: string): string => `scpipe: warning: the spool directory ${env.TMPDIR} ($TMPDIR): ${why}: ${fails}; give --spool-dir\n`;
    const stream = 'a stream past --memory (64 MiB) will fail';
    for (const [extra, fails] of [
      [['-O'], stream],
      [['--part-size', '13M'], 'a part that finds --memory (64 MiB) full will fail (up to 5 parts of 13 MiB are held at once)'],
    ] as const) {
      const r = await runCli(['put', ...CLOSED, ...extra, '127.0.0.1:x'], { stdin: 'data', env });
      expect(r.status).toBe(255);
      expect(r.stderr.startsWith(warning(fails))).toBe(true);
    }
    // Several targets were not warned of at all. Their SCP targets share one
    // spool, with all of --memory; parts sets share --memory: parts that fit
    // in it but not in a target's share are warned of too.
    for (const [extra, fails] of [
      [['-O'], 'a stream past --memory (64 MiB) will fail'],
      [['--part-size', '12M'], 'a part that finds --memory (64 MiB, 32 MiB for each of 2 targets) full will fail (up to 5 parts of 12 MiB are held at once)'],
    ] as const) {
      const many = await runCli(['put', ...CLOSED, ...extra, '127.0.0.1:x', '127.0.0.1:y'], { stdin: 'data', env });
      expect(many.status).toBe(255);
      expect(many.stderr.startsWith(warning(fails))).toBe(true);
    }
    for (const never of [['--size', '4'], ['-s'], [], ['--part-size', '12M'], ['--part-size', '32M', '--parallel', '1']]) {
      const r = await runCli(['put', ...CLOSED, ...never, '127.0.0.1:x'], { stdin: 'data', env });
      expect(r.status).toBe(255);
      expect(r.stderr).not.toContain('warning');
    }
  });
});

describe('--parallel and --retries are checked at start', () => {
  // They were not for a single file: --retries -1 meant 0, and --parallel 0
  // over SFTP was taken as it came.
  it.each([
    [['put', '--retries', '-1'], 'bad --retries -1: give a whole number, 0 or more'],
    [['put', '--retries', '1.5', '--part-size', '1M'], 'bad --retries 1.5: give a whole number, 0 or more'],
    [['put', '--parallel', '0', '--protocol', 'sftp'], 'bad --parallel 0: give a whole number, 1 to 64'],
    [['get', '--parallel', '65'], 'bad --parallel 65: give a whole number, 1 to 64'],
    [['get', '--retries', '-2'], 'bad --retries -2: give a whole number, 0 or more'],
    [['cp', '--retries', '-1', 'local-file'], 'bad --retries -1: give a whole number, 0 or more'],
    // It said "bad --part-size 0", not what a part size may be.
    [['put', '--part-size', '0'], 'bad --part-size 0: give 1 byte to just under 8 PiB (8191T), e.g. 64M'],
    // It said "give 1 byte to 8 PiB" of 8192T, which is 8 PiB, in bytes.
    [['put', '--part-size', '8192T'], 'bad --part-size 8192T: give 1 byte to just under 8 PiB (8191T), e.g. 64M'],
  ])('%j: exit 2, the producer never runs, nothing is connected', async (args, message) => {
    const marker = join(dir(), 'ran');
    const command = args[0] === 'put' ? ['--', 'touch', marker] : [];
    const r = await runCli([...args, ...CLOSED, '127.0.0.1:x', ...command]);
    expect(r).toMatchObject({ status: 2, stderr: `scpipe: ${message}\n` });
    expect(existsSync(marker)).toBe(false);
  });
});

describe('a count that is not a number is named as typed', () => {
  // yargs' number type made it NaN: 'invalid --retries NaN' named nothing the user typed.
  it.each([
    [['put', '--retries', 'abc'], 'bad --retries "abc": give a number'],
    [['put', '--parallel', '4x'], 'bad --parallel "4x": give a number'],
    [['get', '--retries='], 'bad --retries "": give a number'],
    [['cp', '--retries', 'five', 'local-file'], 'bad --retries "five": give a number'],
    [['serve', '--root', '/', '--max-auth-tries', 'six'], 'bad --max-auth-tries "six": give a number'],
  ])('%j: exit 2, nothing runs', async (args, message) => {
    const r = await runCli([...args, ...(args[0] === 'serve' ? [] : [...CLOSED, '127.0.0.1:x'])]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`scpipe: ${message}`);
  });
});

describe('a bad value typed with control characters is shown escaped', () => {
  // A value from a script (a name read from a remote listing) could carry an
  // escape sequence: shown raw, it would drive the terminal.
  const ESC = '\x1b[31mX';
  it.each([
    [['put', '--retries', ESC], 'bad --retries "\\x1b[31mX": give a number'],
    [['get', '--parallel', ESC], 'bad --parallel "\\x1b[31mX": give a number'],
    [['put', '--mode', ESC], 'bad --mode "\\x1b[31mX": give 3 or 4 octal digits, e.g. 0640'],
    [['get', '-F', `cfg${ESC}`], 'cannot read config file cfg\\x1b[31mX: no such file'],
    [['put', `--${ESC}`], 'Unknown argument: --\\x1b[31mX'],
    [['get', `-${ESC}`], 'Unknown argument: -\\x1b'],
    [['get', '-F', `dir${ESC}`], 'cannot read dir\\x1b[31mX: EISDIR: illegal operation on a directory, read'],
  ])('%j: exit with the message escaped, no escape character on stderr', async (args, message) => {
    await mkdir(join(dir(), `dir${ESC}`), { recursive: true });
    const r = await runCli([...args.slice(0, 1), ...CLOSED, ...args.slice(1), '127.0.0.1:x'], { cwd: dir() });
    expect(r.status).not.toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(`scpipe: ${message}`);
    expect(r.stderr).not.toContain('\x1b');
  });
});

describe('an empty file name is refused before connecting', () => {
  // `--checksum-file="$SUMS"` with SUMS unset: the whole transfer ran, then
  // failed at the end (exit 1, "the transfer is done, but ... could not be written").
  it.each([
    [['put', '--checksum-file='], '--checksum-file is empty: give a file name'],
    [['get', '--output='], '--output is empty: give a file name'],
    [['get', '--output', 'out', '--checksum-file', ''], '--checksum-file is empty: give a file name'],
    [['cp', '', '127.0.0.1:x'], 'an empty SRC or DEST: give a path (. for this directory)'],
    [['cp', '127.0.0.1:x', ''], 'an empty SRC or DEST: give a path (. for this directory)'],
  ])('%j: exit 2, nothing run or connected', async (args, message) => {
    const marker = join(dir(), 'ran');
    const command = args[0] === 'put' ? ['--', 'touch', marker] : [];
    const operands = args[0] === 'cp' ? [] : ['127.0.0.1:x'];
    const r = await runCli([...args, ...CLOSED, ...operands, ...command], { cwd: dir() });
    expect(r).toMatchObject({ status: 2, stderr: `scpipe: ${message}\n` });
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(dir())).toEqual([]);
  });
});

describe('--memory is checked at start', () => {
  // --memory 100T kept a 1 GiB pipe in the process's RAM (1.1 GB RSS): a
  // long stream would have been killed for want of memory hours in.
  it('more than the machine\'s RAM: exit 2, the producer never runs, nothing is connected', async () => {
    const marker = join(dir(), 'ran');
    const r = await runCli(['put', '--memory', '100T', ...CLOSED, '127.0.0.1:x', '--', 'touch', marker]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^scpipe: --memory 100T is more than this machine's RAM \([0-9.]+ [KMGT]iB\): give less; past it the stream goes to --spool-dir\n$/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('a remote path that was not UTF-8 in argv', () => {
  // Taken as its bytes (byte-names-download.test.ts stores one); here the closed port says no.
  it('put host:$\'a\\xffb\' is not refused: it reaches the connection', () => {
    // Raw bytes in argv need a shell: Node's spawn() would encode the string as UTF-8.
    const r = spawnSync('bash', ['-c', `exec "$0" "$1" put ${CLOSED.join(' ')} "127.0.0.1:a$(printf '\\377')b" </dev/null`, process.execPath, CLI], {
      encoding: 'utf8',
      env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME },
      timeout: 30000,
    });
    expect(r.status).toBe(255);
    expect(r.stderr).not.toContain('not UTF-8');
  });

  // --name, --output and --checksum-file are taken as their bytes too
  // (byte-names-local.test.ts stores them); here the closed port says no.
  it.each([
    ['put', '--name', 'x/'],
    ['put', '--checksum-file', 'x'],
    ['get', '--output', 'x'],
    ['get', '--checksum-file', 'x'],
  ])('%s %s $\'a\\xffb\' is not refused: it reaches the connection, nothing made here', (command, option, path) => {
    const r = spawnSync('bash', ['-c', `cd "$2" && exec "$0" "$1" ${command} ${CLOSED.join(' ')} ${option} "a$(printf '\\377')b" 127.0.0.1:${path} </dev/null`, process.execPath, CLI, dir()], {
      encoding: 'utf8',
      env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME },
      timeout: 30000,
    });
    expect(r.status).toBe(255);
    expect(r.stderr).not.toContain('not UTF-8');
    expect(readdirSync(dir())).toEqual([]);
  });

  // Its bytes are read from /proc/self/cmdline: EF BF BD is UTF-8, sent as is
  // (non-utf8-names.test.ts stores one); here the closed port says no.
  it('a name with U+FFFD typed as UTF-8 is not refused: it reaches the connection', async () => {
    const r = await runCli(['put', ...CLOSED, '127.0.0.1:a\uFFFDb'], { stdin: '' });
    expect(r.status).toBe(255);
    expect(r.stderr).not.toContain('not UTF-8');
  });
});

describe('put --part-size of a file on stdin with more parts than a set may have', () => {
  // It was sent part by part for hours (4194304 parts of 1K: 4 GiB) and
  // stopped at the part past the limit, exit 1. User sees now: exit 2 before
  // connecting, the least part size that fits.
  it('is refused before connecting, naming a part size that fits; one that fits is not', async () => {
    const big = join(dir(), 'sparse');
    await writeFile(big, '');
    await truncate(big, 5 * 2 ** 30);
    const r = await runCliWithFile(['put', ...CLOSED, '--part-size', '1K', '127.0.0.1:x'], big);
    expect(r).toMatchObject({ status: 2, stderr: 'scpipe: bad --part-size 1K: stdin is 5 GiB (5368709120 bytes), 5242880 parts of it, more than a set may have (4194304): give --part-size 2K or more\n' });
    await truncate(big, 4 * 2 ** 30);
    const fits = await runCliWithFile(['put', ...CLOSED, '--part-size', '1K', '127.0.0.1:x'], big);
    expect(fits.stderr).not.toMatch(/part-size/);
    expect(fits.status).toBe(255); // the connection, refused on port 1
  });
});

describe('a directory on stdin', () => {
  // Node reads it as an empty stream: over SFTP an empty file was stored, exit 0.
  it('is refused with exit 2 before connecting, pointing at tar and cp -r', async () => {
    const r = await runCliWithFile(['put', ...CLOSED, '127.0.0.1:x'], dir());
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^scpipe: stdin is a directory; .*scpipe cp -r DIR host:/);
  });
});

describe('get to a terminal', () => {
  // The remote's bytes went to it raw (escape sequences too), mixed with the
  // progress line, whose last \r\e[K erased a final line without a newline.
  it.each([['get'], ['cp']])('%s: refused with exit 2 before connecting', async (command) => {
    const source = command === 'get' ? ['127.0.0.1:x'] : ['127.0.0.1:x', '-'];
    const r = await runOnTerminal(shellQuote([process.execPath, CLI, command, ...CLOSED, ...source]));
    expect(r.status).toBe(2);
    expect(r.out).toContain('scpipe: refusing to write the file to a terminal; pipe or redirect it');
  });
});

describe('a put target that names a directory', () => {
  // It was refused only after connecting (exit 255 when the host was down), and
  // `host:` was told to use host:/NAME, the root directory.
  it.each([
    [['127.0.0.1:'], 'the remote path "" names a directory; give a file name (host:NAME) or --name NAME'],
    [['--part-size', '1M', '127.0.0.1:'], 'the remote path "" names a directory; give a file name (host:NAME)'],
    [['127.0.0.1:d/'], 'the remote path "d/" names a directory; give a file name (host:d/NAME) or --name NAME'],
    [['127.0.0.1:f', '127.0.0.1:.'], 'the remote path "." names a directory; give a file name (host:./NAME) or --name NAME'],
  ])('%j: exit 2 before connecting, the producer never runs', async (targets, message) => {
    const marker = join(dir(), 'ran');
    const r = await runCli(['put', ...CLOSED, ...targets, '--', 'touch', marker]);
    expect(r).toMatchObject({ status: 2, stderr: `scpipe: ${message}\n` });
    expect(existsSync(marker)).toBe(false);
  });
});

describe('a get source that names no file', () => {
  // `get host:` was refused only after the login (exit 255 when the host was
  // down) as `"" does not name a file`, which left the user guessing.
  it.each([
    [['get', '127.0.0.1:'], 'the remote path "" names a directory; give a file name (host:NAME); scpipe cp -r copies a directory'],
    [['get', '127.0.0.1:~'], 'the remote path "~" names a directory; give a file name (host:~/NAME); scpipe cp -r copies a directory'],
    [['cp', '127.0.0.1:d/..', '-'], 'the remote path "d/.." names a directory; give a file name (host:d/../NAME); scpipe cp -r copies a directory'],
  ])('%j: exit 2 before connecting', async (args, message) => {
    const r = await runCli([args[0]!, ...CLOSED, ...args.slice(1)]);
    expect(r).toMatchObject({ status: 2, stderr: `scpipe: ${message}\n`, stdout: Buffer.alloc(0) });
  });
});

// `cp - host:dir/` runs put, whose hint offered --name; cp has none, and
// following it gave "Unknown argument: --name".
it('cp - to a directory: exit 2 before connecting, naming only what cp takes', async () => {
  const r = await runCli(['cp', ...CLOSED, '-', '127.0.0.1:d/'], { stdin: 'x' });
  expect(r).toMatchObject({ status: 2, stderr: 'scpipe: the remote path "d/" names a directory; give a file name (host:d/NAME)\n' });
});

describe('get --output is checked before connecting', () => {
  // Both were found only after the login; a directory was "exdir/: Is a directory", with no way out.
  it('a missing directory: exit 1, naming it', async () => {
    const r = await runCli(['get', ...CLOSED, '--output', join(dir(), 'nope', 'f'), '127.0.0.1:x']);
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: --output ${join(dir(), 'nope', 'f')}: ${join(dir(), 'nope')}: No such file or directory\n` });
  });

  // A usage error, as cp's `- host:d/`: --output names the file; cp copies into a directory as scp does.
  it('a directory: exit 2, naming the file under the remote name, or cp to copy into it', async () => {
    const r = await runCli(['get', ...CLOSED, '--output', `${dir()}/`, '127.0.0.1:d/x.tar']);
    expect(r).toMatchObject({
      status: 2,
      stderr: `scpipe: --output ${dir()}/ is a directory: give the file's name (--output ${dir()}/x.tar), or copy into it with scpipe cp host:path ${dir()}/\n`,
    });
    const glob = await runCli(['get', ...CLOSED, '--output', dir(), '127.0.0.1:d/*.tar']);
    expect(glob).toMatchObject({ status: 2, stderr: `scpipe: --output ${dir()} is a directory: give the file's name (--output ${dir()}/NAME), or copy into it with scpipe cp host:path ${dir()}\n` });
  });
});

describe('a closed stdin', () => {
  // Node puts /dev/null (read-write) in its place: an empty file was stored, exit 0.
  it('put <&-: exit 2 before connecting; < /dev/null is still an empty input', () => {
    const put = shellQuote([process.execPath, CLI, 'put', ...CLOSED, '127.0.0.1:x']);
    const closed = spawnSync('/bin/sh', ['-c', `exec ${put} <&-`], { encoding: 'utf8', env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
    expect(closed.status).toBe(2);
    expect(closed.stderr).toMatch(/^scpipe: stdin is closed .*give --size 0 < \/dev\/null\n/);
    const empty = spawnSync('/bin/sh', ['-c', `exec ${put} < /dev/null`], { encoding: 'utf8', env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
    expect(empty.status).toBe(255); // it went on to connect
  });
});

describe('put --part-size to a host it cannot connect to', () => {
  // It said "the parts set x is incomplete (no manifest x.sha256): no part confirmed", as if some of it were there.
  it('exit 255, saying nothing was stored', async () => {
    const r = await runCli(['put', ...CLOSED, '--part-size', '1M', '127.0.0.1:x'], { stdin: 'data' });
    expect(r).toMatchObject({ status: 255, stderr: 'scpipe: connect to host 127.0.0.1 port 1: Connection refused; nothing was stored\n' });
  });
});

describe('serve --root that cannot be served', () => {
  // The path was printed raw (an escape sequence in it acted on the
  // terminal), and twice: 'bad --root "/x": server root /x: …'.
  it.each([
    ['/nonexistent/a\x1b[2Jb', 'bad --root: server root /nonexistent/a\\x1b[2Jb: No such file or directory'],
    ['/dev/null', 'bad --root: server root /dev/null: Not a directory'],
  ])('%j: exit 2, said once, escaped', async (root, message) => {
    const r = await runCli(['serve', '--root', root, '--addr', '127.0.0.1:0']);
    expect(r).toMatchObject({ status: 2, stderr: `scpipe: ${message}\n` });
  });
});
