// --json: one object when the run ends, for a success, a remote error, an
// authentication failure and a signal; the exit status is unchanged.
import { join } from 'node:path';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import type { JsonSummary } from '../../cli/json-summary-recorder';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { CLI, endlessInput, remote, runCli, shellQuote, sshFlags, startCli } from '../helpers/cli';
import { expectSchema } from '../helpers/json-schema';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'json');
});

const parse = (text: string): JsonSummary => {
  const lines = text.trim().split('\n');
  const s = JSON.parse(lines[lines.length - 1]!) as JsonSummary;
  expectSchema(s);
  return s;
};

describe('--json', () => {
  it('put: success on stdout', async () => {
    const target = remote(sshd, sshd.rssh, `${dir}/ok`);
    const r = await runCli(['put', '--json', ...sshFlags(sshd, sshd.rssh), target], { stdin: 'twelve bytes' });
    expect(r.status).toBe(0);
    expect(parse(r.stdout.toString())).toMatchObject({ command: 'put', ok: true, exit_status: 0, destinations: [target], protocol: 'scp', bytes: 12, error: null });
  });

  it('put --part-size: the parts and the SHA-256', async () => {
    const r = await runCli(['put', '--json', '--part-size', '4', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/set`)], { stdin: 'twelve bytes' });
    expect(r.status).toBe(0);
    const manifest = await readFile(join(dir, 'set.sha256'), 'utf8');
    expect(manifest).toContain('set.000002');
    expect(parse(r.stdout.toString())).toMatchObject({ ok: true, bytes: 12, parts: 3, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // Restored: the parts it came from (before, 0, as for a plain file).
    const got = await runCli(['get', '--json', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/set`)]);
    expect(got.status).toBe(0);
    expect(got.stdout.toString()).toBe('twelve bytes');
    expect(parse(got.stderr)).toMatchObject({ command: 'get', ok: true, bytes: 12, parts: 3 });
  });

  // A part altered on the server stops the get at it: the parts before it
  // went out whole, and the summary said parts 0 beside their bytes.
  it('get of a parts set that fails at a part: the parts written out before it', async () => {
    const put = await runCli(['put', '--part-size', '4', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/bad`)], { stdin: 'twelve bytes' });
    expect(put.status).toBe(0);
    await writeFile(join(dir, 'bad.000002'), 'XXXX');
    const got = await runCli(['get', '--json', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/bad`)]);
    expect(got.status).toBe(1);
    expect(got.stdout.toString()).toBe('twelve b');
    expect(got.stderr).toMatch(/^scpipe: part bad\.000002 does not match its SHA-256 in the manifest; the set's first 8 bytes, each part checked against the manifest, had already been written out, and nothing after them\n/);
    expect(parse(got.stderr)).toMatchObject({ command: 'get', ok: false, exit_status: 1, bytes: 8, parts: 2, error: { code: 'ERR_CHECKSUM' } });
  });

  // The parts confirmed before the run was stopped are on the server; the
  // summary said bytes 0, parts 0, where the message named them.
  it('put --part-size cut short by a signal: the bytes and parts confirmed so far', async () => {
    const input = new PassThrough();
    const run = startCli(['put', '--json', '-v', '--part-size', '4', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/cut`)], { stdin: input });
    input.write('12345678'); // two whole parts; the input stays open
    // Parts go over channels of their own: part 1 may be confirmed before part 0.
    await waitFor(() => ['part 0 cut.000000: ', 'part 1 cut.000001: '].every((line) => run.stderr().includes(line)), 'both parts confirmed', 30_000);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.status).toBe(143);
    expect(r.stderr).toContain('2 part(s) confirmed remotely: cut.000000..cut.000001');
    expect(parse(r.stdout.toString())).toMatchObject({ ok: false, exit_status: 143, bytes: 8, parts: 2, error: { code: 'ERR_ABORTED' } });
  });

  // With several targets the summary said bytes 0 after a signal, where one
  // target alone says how far it got.
  // (Over SFTP: an SCP target's error carries its bytes, which the summary took.)
  it('put to several targets cut short by a signal: the bytes sent so far', async () => {
    const home = await userDir(sshd.user, 'json-many');
    const targets = ['many-a', 'many-b'].map((name) => remote(sshd, sshd.user, `${home}/${name}`));
    const run = startCli(['put', '--json', '-s', '-l', '8000', ...sshFlags(sshd, sshd.user), ...targets], { stdin: endlessInput() });
    const sent = async (): Promise<number> => {
      const temp = (await readdir(home)).find((name) => name.startsWith('.many-a.scpipe-'));
      return temp === undefined ? 0 : stat(join(home, temp)).then((st) => st.size, () => 0);
    };
    await waitFor(async () => (await sent()) > 100_000, 'bytes in the temporary file', 60_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(130);
    const s = parse(r.stdout.toString());
    expect(s).toMatchObject({ ok: false, exit_status: 130, failed: targets, error: { code: 'ERR_ABORTED' } });
    expect(s.bytes).toBeGreaterThan(0);
  });

  // One target's summary counts the parts confirmed before a signal; with
  // several targets it said parts 0.
  it('put --part-size to several targets cut short by a signal: the parts the furthest target confirmed', async () => {
    const input = new PassThrough();
    const targets = ['many-a', 'many-b'].map((name) => remote(sshd, sshd.rssh, `${dir}/${name}`));
    const run = startCli(['put', '--json', '-v', '--part-size', '4', ...sshFlags(sshd, sshd.rssh), ...targets], { stdin: input });
    input.write('12345678'); // two whole parts; the input stays open
    // Each part's `scp -t` exits once the remote confirmed it: two on each target.
    await waitFor(() => run.stderr().split('\n').filter((line) => line.endsWith(': exit status 0')).length === 4, 'both parts confirmed on both', 30_000);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.status).toBe(143);
    expect(parse(r.stdout.toString())).toMatchObject({ ok: false, exit_status: 143, failed: targets, parts: 2, error: { code: 'ERR_ABORTED' } });
  });

  // A script reading the summary from a full disk would find nothing; it
  // was exit 0. User sees: the reason, exit 1. Left: the file, stored.
  it('put: a summary that cannot be written (a full disk) is exit 1, saying so', async () => {
    const cli = shellQuote([process.execPath, CLI, 'put', '--json', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/full`)]);
    const r = spawnSync('sh', ['-c', `printf data | ${cli} > /dev/full`], { encoding: 'utf8', env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME }, timeout: 30_000 });
    expect(r.stderr).toBe('scpipe: the --json summary could not be written: No space left on device\n');
    expect(r.status).toBe(1);
    expect(await readFile(join(dir, 'full'), 'utf8')).toBe('data');
  });

  // A reader that exited (`| head -c0`, a crashed collector) was said as
  // Node's "write EPIPE"; the user sees strerror's words, as for the full disk.
  it('put: a summary whose reader exited is exit 1, "Broken pipe"', async () => {
    const cli = shellQuote([process.execPath, CLI, 'put', '--json', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/gone`)]);
    const r = spawnSync('bash', ['-c', `set -o pipefail; printf data | ${cli} | true`], { encoding: 'utf8', env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME }, timeout: 30_000 });
    expect(r.stderr).toBe('scpipe: the --json summary could not be written: Broken pipe\n');
    expect(r.status).toBe(1);
    expect(await readFile(join(dir, 'gone'), 'utf8')).toBe('data');
  });

  // Node puts /dev/null in place of a closed descriptor: the summary went
  // nowhere with exit 0, where `--checksum-file -` to a closed stdout is refused.
  it('put to a closed stdout is refused before connecting: exit 2, nothing stored', async () => {
    const cli = shellQuote([process.execPath, CLI, 'put', '--json', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/closed`)]);
    const r = spawnSync('sh', ['-c', `printf data | ${cli} >&-`], { encoding: 'utf8', env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME }, timeout: 30_000 });
    expect(r.stderr).toBe('scpipe: stdout is closed (or /dev/null opened read-write, which is what a closed stdout becomes): --json would write the summary nowhere; give it a pipe or a file\n');
    expect(r.status).toBe(2);
    await expect(stat(join(dir, 'closed'))).rejects.toThrow('ENOENT');
  });

  it('get with a closed stderr, where its summary goes, is refused: exit 2, no data', async () => {
    const cli = shellQuote([process.execPath, CLI, 'get', '--json', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/src`)]);
    await writeFile(join(dir, 'src'), 'data');
    const r = spawnSync('sh', ['-c', `${cli} 2>&-`], { encoding: 'utf8', env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME }, timeout: 30_000 });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(2);
  });

  it('get: the summary goes to stderr, the data to stdout', async () => {
    await runCli(['put', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/g`)], { stdin: 'data' });
    const r = await runCli(['get', '--json', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/g`)]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('data');
    expect(parse(r.stderr)).toMatchObject({ command: 'get', ok: true, bytes: 4 });
  });

  // The copy is stored and only the sums file could not be written (a full
  // disk): exit 1 and ok false, but no destination is named as failed; that
  // field named the destination for one target and get, none for several.
  it.each([
    ['put', ['put'], (d: string) => ({ stdin: 'data', target: `${d}/sums-put`, out: 'stdout' as const })],
    ['put --part-size', ['put', '--part-size', '2'], (d: string) => ({ stdin: 'data', target: `${d}/sums-parts`, out: 'stdout' as const })],
    ['get', ['get'], (d: string) => ({ stdin: undefined, target: `${d}/sums-get`, out: 'stderr' as const })],
  ])('%s: a --checksum-file that cannot be written fails the run, and no copy', async (_, command, setup) => {
    const { stdin, target, out } = setup(dir);
    if (command[0] === 'get') await writeFile(target, 'data');
    const dest = remote(sshd, sshd.rssh, target);
    const r = await runCli([...command, '--json', '--checksum-file', '/dev/full', ...sshFlags(sshd, sshd.rssh), dest], { stdin });
    expect(r.status).toBe(1);
    const summary = parse(out === 'stdout' ? r.stdout.toString() : r.stderr);
    expect(summary).toMatchObject({ ok: false, exit_status: 1, destinations: [dest], failed: [], error: { code: 'ERR_LOCAL_IO' } });
    expect(summary.error!.message).toContain('the transfer is done, but --checksum-file /dev/full could not be written');
  });

  // Over SFTP up to 16 small files are in flight at once: their progress
  // updates interleave, and each switch once added a file's count again
  // (10,761,000 bytes up said 12,849,960).
  it('cp over SFTP: the bytes of a tree of small files, each counted once, both ways', async () => {
    const into = await userDir(sshd.sftp, 'json-cp');
    const tree = join(into, 'tree');
    await mkdir(tree);
    let total = 0;
    for (let i = 0; i < 34; i++) {
      const size = 300_000 + i * 1_000;
      await writeFile(join(tree, `f${i}`), Buffer.alloc(size, i));
      total += size;
    }
    const local = join(into, 'local');
    await mkdir(local);
    const down = await runCli(['cp', '--json', '-r', ...sshFlags(sshd, sshd.sftp), remote(sshd, sshd.sftp, remotePath(sshd.sftp, tree)), local]);
    expect(down.status).toBe(0);
    expect(parse(down.stdout.toString())).toMatchObject({ ok: true, protocol: 'sftp', bytes: total });
    const up = await runCli(['cp', '--json', '-r', ...sshFlags(sshd, sshd.sftp), join(local, 'tree'), remote(sshd, sshd.sftp, remotePath(sshd.sftp, join(into, 'again')))]);
    expect(up.status).toBe(0);
    expect(parse(up.stdout.toString())).toMatchObject({ ok: true, protocol: 'sftp', bytes: total });
  });

  it('a remote error: ok false, its code, exit status 1 as without --json', async () => {
    const r = await runCli(['put', '--json', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/no/such/dir/f`)], { stdin: 'x' });
    expect(r.status).toBe(1);
    const s = parse(r.stdout.toString());
    expect(s).toMatchObject({ ok: false, exit_status: 1, error: { code: 'ERR_NO_SUCH_FILE' } }); // a missing directory, over either protocol
    expect(r.stderr).toContain(s.error!.message);
  });

  it('an authentication failure: ERR_AUTH, exit status 255', async () => {
    const r = await runCli(['put', '--json', ...sshFlags(sshd, sshd.rssh, [], sshd.wrongKeyPath), remote(sshd, sshd.rssh, `${dir}/f`)], { stdin: 'x' });
    expect(r.status).toBe(255);
    expect(parse(r.stdout.toString())).toMatchObject({ ok: false, exit_status: 255, bytes: 0, error: { code: 'ERR_AUTH' } });
  });

  it('a signal: ERR_ABORTED, exit status 143', async () => {
    const run = startCli(['put', '--json', '--size', '1000000000000', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/endless`)], { stdin: endlessInput() });
    // Wait until bytes are flowing (the remote file grows), then stop it: a
    // wait that ran out went on, and proved the signal during the login.
    const path = join(dir, 'endless');
    await waitFor(async () => (await stat(path).then((st) => st.size, () => 0)) > 0, 'bytes in the remote file', 60_000);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.status).toBe(143);
    expect(parse(r.stdout.toString())).toMatchObject({ ok: false, exit_status: 143, error: { code: 'ERR_ABORTED' } });
  });
});
