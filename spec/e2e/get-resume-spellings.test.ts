// `get --output FILE --resume` of one remote file by another spelling of its
// path, against the real sshd: `f`, `./f`, `dir//f`, `~/f` and the absolute
// path are one file, so a restore cut under one spelling reads on from its
// kept bytes under another (the server's realpath names the kept file); a
// kept file named by an earlier version after the spelling as typed is read
// on from too. A kept file of another file is still never read on from
// (get-resume-names.test.ts).
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { keptName, storedFile } from '../helpers/resume-file';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-resume-spellings-');
const SIZE = 1024 * 1024 + 77;
const HALF = 512 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const out = (): string => join(local(), 'out');
const listed = (): string[] => readdirSync(local()).sort();
const getArgs = (account: TestAccount, path: string, extra: string[] = []): string[] => ['get', '-v', '--resume', '--output', out(), ...sshFlags(sshd, account), ...extra, remote(sshd, account, path)];

// The spellings of the absolute path `abs` for `account`, from its login directory.
function spellings(account: TestAccount, abs: string): Record<string, string> {
  const rel = posix.relative(account.home, abs);
  const dir = posix.dirname(abs);
  return { absolute: abs, relative: rel, './': `./${rel}`, '~/': `~/${rel}`, '//': `${dir}//a.bin`, '/./': `${dir}/./a.bin` };
}

describe.each([
  ['the normal account', () => sshd.user],
  ['the internal-sftp chroot', () => sshd.sftp],
])('get --output FILE --resume by another spelling of the path over SFTP (%s)', (_how, account) => {
  it.each([
    ['absolute', 'relative'],
    ['absolute', './'],
    ['absolute', '~/'],
    ['absolute', '//'],
    ['relative', 'absolute'],
    ['~/', '/./'],
    ['./', '/./'],
  ])('cut under the %s spelling, read on from under the %s one: only the rest is fetched', async (first, then) => {
    const data = randomBytes(SIZE);
    const file = await storedFile(account(), 'spell', data);
    const spelled = spellings(account(), file.path);
    // A run that fails once it has read every byte (a sum not the one expected) keeps what it wrote; at most half are left.
    const cut = await runCli(getArgs(account(), spelled[first]!, ['--expect-sha256', sha(Buffer.from('other'))]), { timeoutMs: 60_000 });
    expect(cut.status).toBe(1);
    const [kept] = listed();
    expect(kept).toMatch(/^out\.scpipe-partial-/);
    const from = Math.min(HALF, (await stat(join(local(), kept!))).size);
    await truncate(join(local(), kept!), from);

    const r = await runCli(getArgs(account(), spelled[then]!), { timeoutMs: 60_000 });
    expect(r.stderr).not.toContain('starting over');
    expect(r.stderr).toContain(`resuming ${join(local(), kept!)}: `);
    expect(r.stderr).toContain(`reading on from byte ${from}\n`);
    expect(r.stderr).toContain(`sftp: reading ${SIZE - from} bytes from byte ${from} over`);
    expect(r.status).toBe(0);
    expect((await readFile(out())).equals(data)).toBe(true);
    expect(listed()).toEqual(['out']);
  }, 60_000);

  it('a kept file an earlier version named after the spelling as typed (./f) is read on from, under its new name', async () => {
    const data = randomBytes(SIZE);
    const file = await storedFile(account(), 'spell', data);
    const typed = spellings(account(), file.path)['./']!;
    const old = keptName(file.host, typed); // the SHA-256 of "./…" as typed
    await writeFile(join(local(), old), data.subarray(0, HALF), { mode: 0o600 });

    const r = await runCli(getArgs(account(), typed), { timeoutMs: 60_000 });
    expect(r.stderr).not.toContain('starting over');
    expect(r.stderr).toMatch(/resuming \S+out\.scpipe-partial-\S+: /);
    expect(r.stderr).toContain(`reading on from byte ${HALF}\n`);
    expect(r.status).toBe(0);
    expect((await readFile(out())).equals(data)).toBe(true);
    expect(listed()).toEqual(['out']);
  }, 60_000);
});
