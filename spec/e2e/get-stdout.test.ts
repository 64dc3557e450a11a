// get to a pipe whose reader stops early (`scpipe get … | head -c 1`).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, remote, runCli, shellQuote, sshFlags } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();

it('says the reader stopped, in the words of GNU tools, not "write EPIPE" (exit 1)', async () => {
  const dir = await userDir(sshd.user, 'epipe');
  await writeFile(join(dir, 'big'), Buffer.alloc(8 << 20));
  const cmd = `${shellQuote([process.execPath, CLI, 'get', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/big`)])} | head -c 1 >/dev/null; echo "status=\${PIPESTATUS[0]}" >&2`;
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 30000, env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
  expect(r.stderr).toBe('scpipe: cannot write stdout: Broken pipe (the program reading it exited before the end of the file)\nstatus=1\n');
});

// `--output -` made a file named `-` in the working directory, exit 0, and
// the pipe after get read nothing: `-` is stdout, as for --checksum-file.
it('--output - writes stdout, and no file named -', async () => {
  const dir = await userDir(sshd.user, 'output-dash');
  await writeFile(join(dir, 'f'), 'the bytes');
  const cwd = await mkdtemp(join(tmpdir(), 'scpipe-test-dash-'));
  try {
    const r = await runCli(['get', ...sshFlags(sshd, sshd.user), '--output', '-', remote(sshd, sshd.user, `${dir}/f`)], { cwd });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.toString()).toBe('the bytes');
    expect(await readdir(cwd)).toEqual([]);
  } finally {
    await rm(cwd, { recursive: true });
  }
});

// `get -p host:f > f` exited 0 and kept neither mode nor times. User sees
// now: exit 2 naming -p and what to do, for get and `cp -p host:f -`, before
// a byte is fetched. Left: stdout empty, the remote file as it was.
it('-p to stdout is refused, exit 2', async () => {
  const dir = await userDir(sshd.user, 'p-stdout');
  await writeFile(join(dir, 'f'), 'the bytes');
  const said = 'scpipe: -p keeps a mode and times, which stdout cannot take: write to a file (get --output FILE, cp SRC FILE)\n';
  for (const args of [['get', '-p'], ['get', '-p', '--output', '-'], ['cp', '-p']]) {
    const last = args[0] === 'cp' ? ['-'] : [];
    const r = await runCli([...args, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`), ...last]);
    expect(r).toMatchObject({ status: 2, stderr: said });
    expect(r.stdout.length).toBe(0);
  }
  expect(await readdir(dir)).toEqual(['f']);
});

// get --help (and so the man page) said -p had "no effect on stdout", where
// it is refused there. User sees now: the help says so.
it('get --help says -p is refused to stdout', async () => {
  const r = await runCli(['get', '--help']);
  expect(r.status).toBe(0);
  const help = r.stdout.toString().replace(/\s+/g, ' ');
  expect(help).toContain("-p, --preserve keep the remote file's mode and times (with --output; to stdout: refused, exit 2)");
  expect(help).not.toContain('no effect on stdout');
});

// stdout and stderr sockets, as a systemd service's are (journald's) and as
// the tests' harness gives them: open(2) of /dev/stdout fails there (ENXIO),
// where `cat f > /dev/stdout` writes through the descriptor it has. It said
// "No such device or address", exit 1, and wrote nothing.
it.each([
  ['/dev/stdout', 'stdout'],
  ['/dev/stderr', 'stderr'],
  ['/dev/fd/1', 'stdout'], // the same descriptors by the other name Linux gives them
  ['/dev/fd/2', 'stderr'],
] as const)('--output %s where it is a socket gets the bytes, exit 0', async (file, stream) => {
  const dir = await userDir(sshd.user, 'output-socket');
  await writeFile(join(dir, 'f'), 'the bytes');
  const r = await runCli(['get', ...sshFlags(sshd, sshd.user), '--output', file, remote(sshd, sshd.user, `${dir}/f`)]);
  expect({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr }).toEqual({
    status: 0, stdout: stream === 'stdout' ? 'the bytes' : '', stderr: stream === 'stderr' ? 'the bytes' : '',
  });
});

it('--output /dev/stdout where it is a socket, with -p: exit 2 naming it, nothing written', async () => {
  const dir = await userDir(sshd.user, 'output-socket-p');
  await writeFile(join(dir, 'f'), 'the bytes');
  const r = await runCli(['get', ...sshFlags(sshd, sshd.user), '-p', '--output', '/dev/stdout', remote(sshd, sshd.user, `${dir}/f`)]);
  expect({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr }).toEqual({
    status: 2, stdout: '', stderr: 'scpipe: --output /dev/stdout is a socket, a stream: -p needs a file\n',
  });
});

// cp's local target is checked as get's --output is: `cp host:f /dev/stdout`
// said "/proc/PID/fd/1: No such device or address", exit 1.
it('cp host:f /dev/stdout where it is a socket gets the bytes, exit 0', async () => {
  const dir = await userDir(sshd.user, 'cp-socket');
  await writeFile(join(dir, 'f'), 'the bytes');
  const r = await runCli(['cp', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`), '/dev/stdout']);
  expect({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr }).toEqual({ status: 0, stdout: 'the bytes', stderr: '' });
});

it.each([
  [['-p', 'f'], '-p needs a file'],
  [['-r', 'f'], '-r copies a tree, which it cannot take'],
  [['f', 'g'], 'it takes one remote file'],
])('cp %j /dev/stdout where it is a socket: exit 2 naming it, nothing written', async (args, why) => {
  const dir = await userDir(sshd.user, 'cp-socket-refused');
  await writeFile(join(dir, 'f'), 'the bytes');
  await writeFile(join(dir, 'g'), 'more bytes');
  const operands = args.map((a) => (a.startsWith('-') ? a : remote(sshd, sshd.user, `${dir}/${a}`)));
  const r = await runCli(['cp', ...sshFlags(sshd, sshd.user), ...operands, '/dev/stdout']);
  expect({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr }).toEqual({
    status: 2, stdout: '', stderr: `scpipe: /dev/stdout is a socket, a stream: ${why}\n`,
  });
});

// The sum's line went into the file's bytes on stdout ("x2d71…  /dev/stdout").
it.each([['get', '--output'], ['cp', undefined]])('%s … /dev/stdout --checksum-file - where it is a socket: exit 2, nothing written', async (cmd, flag) => {
  const dir = await userDir(sshd.user, 'socket-sum');
  await writeFile(join(dir, 'f'), 'the bytes');
  const target = flag === undefined ? [remote(sshd, sshd.user, `${dir}/f`), '/dev/stdout'] : [flag, '/dev/stdout', remote(sshd, sshd.user, `${dir}/f`)];
  const r = await runCli([cmd, ...sshFlags(sshd, sshd.user), '--checksum-file', '-', ...target]);
  expect({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr }).toEqual({
    status: 2, stdout: '', stderr: 'scpipe: stdout carries the file (/dev/stdout): give --checksum-file a file name\n',
  });
});

// --json's line went into the file's bytes there: it goes to the other stream.
it.each([
  ['cp', '/dev/stdout'],
  ['get', '/dev/stderr'],
] as const)('%s --json to %s where it is a socket: the bytes on it, the summary on the other stream', async (cmd, file) => {
  const dir = await userDir(sshd.user, 'socket-json');
  await writeFile(join(dir, 'f'), 'the bytes');
  const source = remote(sshd, sshd.user, `${dir}/f`);
  const r = await runCli([cmd, ...sshFlags(sshd, sshd.user), '--json', ...(cmd === 'cp' ? [source, file] : ['--output', file, source])]);
  const [bytes, json] = file === '/dev/stdout' ? [r.stdout.toString(), r.stderr] : [r.stderr, r.stdout.toString()];
  expect({ status: r.status, bytes }).toEqual({ status: 0, bytes: 'the bytes' });
  expect(JSON.parse(json)).toMatchObject({ scpipe_json: 1, command: cmd, ok: true, bytes: 9 });
});

// Where stdout is a pipe, /dev/stdout is opened by name and written; the
// --json line and --checksum-file -'s line went into the same pipe after the
// file's bytes (exit 0), so the program reading it got text at the file's end.
// `stream` 1 or 2 of the command into `| cat > out`; the other stream, and the command's exit status, returned.
function throughPipe(args: string[], out: string, stream: 1 | 2 = 1): { status: string; said: string } {
  const run = shellQuote([process.execPath, CLI, ...args]);
  const piped = stream === 1 ? `${run} | cat > ${shellQuote([out])}` : `{ ${run} 2>&1 >&3 | cat > ${shellQuote([out])}; } 3>&1`;
  const r = spawnSync('bash', ['-c', `${piped}; echo "\${PIPESTATUS[0]}" > ${shellQuote([`${out}.status`])}`], { encoding: 'utf8', timeout: 30000, env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
  const status = readFileSync(`${out}.status`, 'utf8').trim();
  return { status, said: stream === 1 ? r.stderr : r.stdout };
}

it.each([
  ['cp', '/dev/stdout'],
  ['get', '/dev/stderr'],
] as const)('%s --json … %s where it is a pipe: the reader gets the bytes alone, the summary goes to the other stream', async (cmd, file) => {
  const dir = await userDir(sshd.user, 'pipe-json');
  await writeFile(join(dir, 'f'), 'the bytes');
  const source = remote(sshd, sshd.user, `${dir}/f`);
  const out = join(dir, 'read');
  const r = throughPipe([cmd, ...sshFlags(sshd, sshd.user), '--json', ...(cmd === 'cp' ? [source, file] : ['--output', file, source])], out, file === '/dev/stdout' ? 1 : 2);
  expect({ status: r.status, read: await readFile(out, 'utf8') }).toEqual({ status: '0', read: 'the bytes' });
  expect(JSON.parse(r.said)).toMatchObject({ scpipe_json: 1, command: cmd, ok: true, bytes: 9 });
});

it.each(['cp', 'get'] as const)('%s --checksum-file - … /dev/stdout where it is a pipe: exit 2, nothing written', async (cmd) => {
  const dir = await userDir(sshd.user, 'pipe-sum');
  await writeFile(join(dir, 'f'), 'the bytes');
  const source = remote(sshd, sshd.user, `${dir}/f`);
  const out = join(dir, 'read');
  const r = throughPipe([cmd, ...sshFlags(sshd, sshd.user), '--checksum-file', '-', ...(cmd === 'cp' ? [source, '/dev/stdout'] : ['--output', '/dev/stdout', source])], out);
  expect({ ...r, read: await readFile(out, 'utf8') }).toEqual({ status: '2', said: 'scpipe: stdout carries the file (/dev/stdout): give --checksum-file a file name\n', read: '' });
});

// The sum's line went into the file's bytes, after them (exit 0), where
// --checksum-file names the stream that carries the file (get, or cp to /dev/stdout).
it.each([
  [['--checksum-file', '/dev/stdout'], 'stdout'],
  [['--output', '/dev/stdout', '--checksum-file', '/dev/fd/1'], 'stdout'],
  [['/dev/stdout', '--checksum-file', '/dev/stdout'], 'stdout'],
] as const)('get or cp with %j into a pipe: exit 2, nothing written', async (opts, stream) => {
  const dir = await userDir(sshd.user, 'pipe-sum-file');
  await writeFile(join(dir, 'f'), 'the bytes');
  const out = join(dir, 'read');
  const cp = opts[0] === '/dev/stdout';
  const r = throughPipe([cp ? 'cp' : 'get', ...sshFlags(sshd, sshd.user), ...(cp ? [remote(sshd, sshd.user, `${dir}/f`), ...opts] : [...opts, remote(sshd, sshd.user, `${dir}/f`)])], out);
  const file = opts[opts.length - 1];
  expect({ ...r, read: await readFile(out, 'utf8') }).toEqual({ status: '2', said: `scpipe: --checksum-file ${file} is ${stream}, which carries the file: give it a file of its own\n`, read: '' });
});

// A systemd service's stderr is its stdout's journal socket (StandardError=inherit), as
// 2>&1 makes it: there is no other stream, and the summary went into the file's bytes, exit 0.
it.each([
  ['cp', '/dev/stdout'],
  ['get', '/dev/stdout'],
  ['get', 'stdout'],
] as const)('%s --json … to %s where stderr is the same socket: exit 2 before connecting, the message alone, no summary nor byte of the file', async (cmd, to) => {
  const dir = await userDir(sshd.user, 'one-stream-json');
  await writeFile(join(dir, 'f'), 'the bytes');
  const source = remote(sshd, sshd.user, `${dir}/f`);
  const target = cmd === 'cp' ? [source, to] : to === 'stdout' ? [source] : ['--output', to, source];
  const run = shellQuote([process.execPath, CLI, cmd, ...sshFlags(sshd, sshd.user), '--json', ...target]);
  const r = spawnSync('bash', ['-c', `exec ${run} 2>&1`], { timeout: 30000, env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
  expect({ status: r.status, said: r.stdout.toString() }).toEqual({
    status: 2,
    said: `scpipe: stdout and stderr are one stream here, which carries the file (${to}): --json would write its summary into the file's bytes; give stderr a stream of its own (2>FILE), or leave --json out\n`,
  });
});

it('get --json to stdout where stdout and stderr are both /dev/null: exit 0, as a device is nobody\'s stream', async () => {
  const dir = await userDir(sshd.user, 'null-json');
  await writeFile(join(dir, 'f'), 'the bytes');
  const run = shellQuote([process.execPath, CLI, 'get', ...sshFlags(sshd, sshd.user), '--json', remote(sshd, sshd.user, `${dir}/f`)]);
  const r = spawnSync('bash', ['-c', `${run} >/dev/null 2>&1; echo "$?"`], { encoding: 'utf8', timeout: 30000, env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
  expect(r.stdout).toBe('0\n');
});

// --checksum prints its line on stderr: where stderr carries the file, the line went into its bytes, exit 0.
it.each(['get', 'cp'] as const)('%s --checksum … /dev/stderr where it is a socket: exit 2 before connecting, nothing written', async (cmd) => {
  const dir = await userDir(sshd.user, 'stderr-sum');
  await writeFile(join(dir, 'f'), 'the bytes');
  const source = remote(sshd, sshd.user, `${dir}/f`);
  const r = await runCli([cmd, ...sshFlags(sshd, sshd.user), '--checksum', ...(cmd === 'cp' ? [source, '/dev/stderr'] : ['--output', '/dev/stderr', source])]);
  expect({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr }).toEqual({
    status: 2, stdout: '', stderr: "scpipe: --checksum prints its line on stderr, which is the stream the file goes to (/dev/stderr): give --checksum-file a file name\n",
  });
});

it('get --checksum to stdout where stderr is the same socket (2>&1): exit 2 before connecting, no byte of the file', async () => {
  const dir = await userDir(sshd.user, 'one-stream-sum');
  await writeFile(join(dir, 'f'), 'the bytes');
  const run = shellQuote([process.execPath, CLI, 'get', ...sshFlags(sshd, sshd.user), '--checksum', remote(sshd, sshd.user, `${dir}/f`)]);
  const r = spawnSync('bash', ['-c', `exec ${run} 2>&1`], { timeout: 30000, env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
  expect({ status: r.status, out: r.stdout.toString() }).toEqual({
    status: 2, out: "scpipe: --checksum prints its line on stderr, which is the stream the file goes to (stdout): give --checksum-file a file name\n",
  });
});

it('get --checksum-file - --output /dev/stderr where stdout is the same socket (2>&1): exit 2 before connecting', async () => {
  const dir = await userDir(sshd.user, 'one-stream-sumfile');
  await writeFile(join(dir, 'f'), 'the bytes');
  const run = shellQuote([process.execPath, CLI, 'get', ...sshFlags(sshd, sshd.user), '--checksum-file', '-', '--output', '/dev/stderr', remote(sshd, sshd.user, `${dir}/f`)]);
  const r = spawnSync('bash', ['-c', `exec ${run} 2>&1`], { timeout: 30000, env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
  expect({ status: r.status, out: r.stdout.toString() }).toEqual({ status: 2, out: 'scpipe: stdout carries the file (/dev/stderr): give --checksum-file a file name\n' });
});
