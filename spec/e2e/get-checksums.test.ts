// get and its SHA-256, end to end against real sshd: the sum of what came
// written as sha256sum does (--checksum-file), and a download checked
// against one (--check, --expect-sha256, a parts set's manifest) before it
// counts as done. Each test says what the user sees and what is left on both sides.
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-sums-');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.each([
  ['over SCP (-O)', () => sshd.rssh, ['-O']],
  ['over SFTP', () => sshd.sftp, []],
])('get with a checksum %s', (_how, account, extra) => {
  let dir: string;
  let rdir: string;
  const data = randomBytes(2 * 1024 * 1024 + 5);
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    dir = await userDir(account(), 'sums-get');
    rdir = remotePath(account(), dir);
    await writeFile(join(dir, 'f.bin'), data);
    execFileSync('chown', [`${account().uid}:${account().gid}`, join(dir, 'f.bin')]);
  });
  const source = (): string => remote(sshd, account(), `${rdir}/f.bin`);
  const get = (more: string[]): Promise<Awaited<ReturnType<typeof runCli>>> =>
    runCli(['get', ...sshFlags(sshd, account()), ...extra, ...more, source()]);

  it('--checksum-file writes the sum of what came, and --check with that file passes', async () => {
    const sums = join(local(), 'f.sha256');
    const first = await get(['--checksum-file', sums]);
    expect(first).toMatchObject({ status: 0, stderr: '' });
    expect(first.stdout.equals(data)).toBe(true);
    expect(await readFile(sums, 'utf8')).toBe(`${sha(data)}  f.bin\n`);
    const again = await get(['--check', sums, '-v']);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain(`scpipe: sha256 ${sha(data)}, as expected\n`);
    expect(again.stdout.equals(data)).toBe(true);
  });

  it('with --output, the line names the output file as given, and sha256sum -c checks it', async () => {
    const sums = join(local(), 'out.sha256');
    const out = join(local(), 'restored.bin');
    const r = await get(['--output', out, '--checksum-file', sums]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(sums, 'utf8')).toBe(`${sha(data)}  ${out}\n`);
    expect(execFileSync('sha256sum', ['-c', sums], { encoding: 'utf8' })).toBe(`${out}: OK\n`);
  });

  // put's `-` is stdout; with --output, get's stdout is free for the line too
  // (it was refused: "get's stdout carries the file"). To stdout, still refused.
  it('with --output, --checksum-file - writes the line to stdout; without it, exit 2', async () => {
    const out = join(local(), 'restored.bin');
    const r = await get(['--output', out, '--checksum-file', '-']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.toString()).toBe(`${sha(data)}  ${out}\n`);
    expect((await readFile(out)).equals(data)).toBe(true);
    const refused = await get(['--checksum-file', '-']);
    expect(refused).toMatchObject({ status: 2, stderr: 'scpipe: stdout carries the file: give --checksum-file a file name (or the file --output)\n' });
    expect(refused.stdout.length).toBe(0);
  });

  // sha256sum --tag of a name it escapes (a backslash): its line starts with
  // a backslash too. User sees exit 0, the file checked against that line.
  it('--check with sha256sum --tag lines, one for a name with a backslash', async () => {
    await writeFile(join(local(), 'f.bin'), data);
    await writeFile(join(local(), 'b\\s'), 'other');
    const sums = join(local(), 'tag.sha256');
    await writeFile(sums, execFileSync('sha256sum', ['--tag', 'b\\s', 'f.bin'], { cwd: local() }));
    const r = await get(['--check', sums]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.equals(data)).toBe(true);
  });

  it('a wrong --expect-sha256 with --output: exit 1, the old output file is left as it was, no temporary file', async () => {
    const out = join(local(), 'f.bin');
    await writeFile(out, 'old');
    const wrong = 'ab'.repeat(32);
    const r = await get(['--expect-sha256', wrong, '--output', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: ${source()} is not what was expected: its SHA-256 is ${sha(data)}, not ${wrong}; ${out} was left as it was\n`);
    expect(await readFile(out, 'utf8')).toBe('old');
    expect(await readdir(local())).toEqual(['f.bin']);
  });

  // --json gave "sha256": null here while the message named the sum taken.
  // User sees now: the same sum in the summary (stderr) as in the message,
  // and that the output, which was not there before, was not made.
  it('a wrong --expect-sha256 with --json: the summary gives the sum taken, as the message does; a new output is not made', async () => {
    const out = join(local(), 'f.bin');
    const wrong = 'ab'.repeat(32);
    const r = await get(['--json', '--expect-sha256', wrong, '--output', out]);
    expect(r.status).toBe(1);
    const [said, json] = r.stderr.split('\n');
    expect(said).toBe(`scpipe: ${source()} is not what was expected: its SHA-256 is ${sha(data)}, not ${wrong}; ${out} was not made`);
    expect(JSON.parse(json!)).toMatchObject({ ok: false, exit_status: 1, sha256: sha(data), bytes: data.length, error: { code: 'ERR_CHECKSUM' } });
    expect(await readdir(local())).toEqual([]);
  });

  it('a wrong sum in a --check file, to stdout: the bytes went out, exit 1 says they are not the file expected', async () => {
    const sums = join(local(), 'sums');
    await writeFile(sums, `${'0'.repeat(64)}  other.bin\n${'cd'.repeat(32)} *f.bin\n`);
    const r = await get(['--check', sums]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: ${source()} is not what was expected: its SHA-256 is ${sha(data)}, not ${'cd'.repeat(32)}; the bytes written out are not the file expected\n`);
    expect(r.stdout.length).toBe(data.length);
  });
});

describe('get --check, before connecting', () => {
  const at = (): string => remote(sshd, sshd.rssh, '/nonexistent/f.bin');
  it.each([
    ['a --check file with no line for the name', (d: string) => writeFile(join(d, 's'), `${'0'.repeat(64)}  a\n${'1'.repeat(64)}  b\n`), ['--check'], 2, 'has no line for f.bin'],
    ['a --check file that is not one', (d: string) => writeFile(join(d, 's'), 'hello\n'), ['--check'], 2, 'line 1: not a SHA-256 checksum line'],
    ['a missing --check file', async () => undefined, ['--check'], 1, 'No such file or directory'],
    ['a bad --expect-sha256', async () => undefined, ['--expect-sha256'], 2, 'is not a SHA-256 (64 hex digits)'],
  ])('%s: fails with what is wrong, and no connection is made', async (_what, make, option, status, message) => {
    await make(local());
    const value = option[0] === '--check' ? join(local(), 's') : 'xyz';
    // Port 1 refuses: reaching it would be exit 255.
    const r = await runCli(['get', ...sshFlags(sshd, sshd.rssh), '-P', '1', option[0]!, value, at()]);
    expect(r.stderr).toContain(message);
    expect(r.status).toBe(status);
  });
});

describe('get --check of a parts set', () => {
  const account = (): TestAccount => sshd.rssh;
  const getSet = (rdir: string, args: string[]): ReturnType<typeof runCli> => runCli(['get', ...sshFlags(sshd, account()), ...args, remote(sshd, account(), `${rdir}/set`)]);
  // `data` put as the set `set` in a new directory of the scp-only account.
  async function putSet(name: string, data: Buffer): Promise<{ dir: string; rdir: string }> {
    const dir = await userDir(account(), name);
    const rdir = remotePath(account(), dir);
    const put = await runCli(['put', ...sshFlags(sshd, account()), '--part-size', '1M', remote(sshd, account(), `${rdir}/set`)], { stdin: data });
    expect(put).toMatchObject({ status: 0, stderr: '' });
    return { dir, rdir };
  }

  it('checks against the manifest sum of the whole stream', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 1);
    const { rdir } = await putSet('sums-set', data);
    const ok = await getSet(rdir, ['--expect-sha256', sha(data)]);
    expect(ok).toMatchObject({ status: 0, stderr: '' });
    expect(ok.stdout.equals(data)).toBe(true);
    const out = join(local(), 'set');
    const bad = await getSet(rdir, ['--expect-sha256', 'e'.repeat(64), '--output', out, '--json']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`is not what was expected: its manifest gives its SHA-256 as ${sha(data)}, not ${'e'.repeat(64)}; ${out} was not made\n`);
    // The summary gives the set's sum, as it does when the set matches.
    expect(JSON.parse(bad.stderr.split('\n')[1]!)).toMatchObject({ ok: false, sha256: sha(data), bytes: 0, error: { code: 'ERR_CHECKSUM' } });
    expect(await readdir(local())).toEqual([]);
  });

  // A restore piped on (`get --check F vault:set | btrfs receive`): the
  // manifest says the set's sum before a part is fetched. User sees exit 1
  // naming both sums, and not one byte on stdout.
  it('a wrong --expect-sha256 to stdout: refused before a byte goes out', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 1);
    const { rdir } = await putSet('sums-set-early', data);
    const bad = await getSet(rdir, ['--expect-sha256', 'e'.repeat(64)]);
    expect(bad).toMatchObject({ status: 1, stderr: `scpipe: ${remote(sshd, account(), `${rdir}/set`)} is not what was expected: its manifest gives its SHA-256 as ${sha(data)}, not ${'e'.repeat(64)}; nothing was written out\n` });
    expect(bad.stdout.length).toBe(0);
  });

  // The manifest's '# sha256' line, which sha256sum -c skips, altered. User
  // sees: a plain get restores the stream (every part checks out against its
  // own line, in order); asked for the whole stream's sum (--checksum-file), get reports that
  // the parts do not add up to the manifest's stream, exit 1, and an
  // --output file is not made.
  it('a manifest whose whole-stream line was altered: plain get restores the parts; asked for the sum, it says they do not add up', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 5);
    const { dir, rdir } = await putSet('sums-set-line', data);
    const manifest = join(dir, 'set.sha256');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace(`# sha256 ${sha(data)}`, `# sha256 ${'0'.repeat(64)}`));
    const plain = await getSet(rdir, []);
    expect(plain).toMatchObject({ status: 0, stderr: '' });
    expect(plain.stdout.equals(data)).toBe(true);
    const out = join(local(), 'set');
    const asked = await getSet(rdir, ['--checksum-file', join(local(), 'sum'), '--output', out]);
    expect(asked.status).toBe(1);
    expect(asked.stderr).toBe('scpipe: the parts of set do not add up to the stream the manifest describes (SHA-256 differs)\n');
    expect(await readdir(local())).toEqual([]);
  });
});
