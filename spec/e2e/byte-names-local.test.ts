// Arguments that are not UTF-8 (Latin-1 bytes) naming local files: an
// --output, a --checksum-file, a --check, a --spool-dir, an -i, a cp
// operand; and --name. Each was refused with exit 2 ("holds bytes that are
// not UTF-8"); each now names the file of exactly those bytes, as OpenSSH's
// scp does, and a sha256sum line names a file by its bytes.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statfsSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { BYTE_ARGS, byteArg, bytes } from '../helpers/latin1-tree';
import { tempDirPerTest } from '../helpers/temp-dir';
import { withTmpfs } from '../helpers/tmpfs';
import { formatBytes } from '../../lib/internal';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-byte-local-');

// The names in a directory, in Latin-1 (bytes kept).
const namesIn = (dir: string): string[] => readdirSync(bytes(dir), { encoding: 'buffer' }).map((b) => b.toString('latin1')).sort();
const body = (path: string): string => readFileSync(bytes(path), 'latin1');
const run = (args: string[], stdin?: string) => runCli(args.map(byteArg), { wrapper: BYTE_ARGS, ...(stdin === undefined ? {} : { stdin }) });

describe.each([
  ['scp', ['-O']],
  ['sftp', ['--protocol', 'sftp']],
])('a Latin-1 local path on the command line, over %s', (_how, flags) => {
  const ssh = () => [...flags, ...sshFlags(sshd, sshd.user)];

  it('get --output and --checksum-file write the files of those bytes', async () => {
    const dir = await userDir(sshd.user, 'latin1-local-get');
    writeFileSync(join(dir, 'f'), 'remote body');
    const out = local();
    const r = await run(['get', ...ssh(), '--output', `${out}/caf\xe9`, '--checksum-file', `${out}/sum\xe9`, remote(sshd, sshd.user, `${dir}/f`)]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(namesIn(out)).toEqual(['caf\xe9', 'sum\xe9']);
    expect(body(`${out}/caf\xe9`)).toBe('remote body');
    expect(body(`${out}/sum\xe9`)).toMatch(new RegExp(`^[0-9a-f]{64}  ${out}/caf\xe9\n$`));
    expect(spawnSync('bash', ['-c', 'sha256sum -c sum*'], { cwd: out, encoding: 'latin1' })).toMatchObject({ status: 0, stdout: `${out}/caf\xe9: OK\n` });
  });

  it('put --checksum-file and --spool-dir use the files of those bytes', async () => {
    const dir = await userDir(sshd.user, 'latin1-local-put');
    const out = local();
    mkdirSync(bytes(`${out}/spool\xe9`));
    const r = await run(['put', ...ssh(), '--memory', '0', '--spool-dir', `${out}/spool\xe9`, '--checksum-file', `${out}/sum\xe9`, remote(sshd, sshd.user, `${dir}/f`)], 'from put');
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('from put');
    expect(namesIn(out)).toEqual(['spool\xe9', 'sum\xe9']);
    expect(namesIn(`${out}/spool\xe9`)).toEqual([]);
    expect(body(`${out}/sum\xe9`)).toMatch(/^[0-9a-f]{64} {2}f\n$/);
  });

  it('a sum written for a Latin-1 remote name is written as its bytes, and --check reads it', async () => {
    const dir = await userDir(sshd.user, 'latin1-local-check');
    const out = local();
    const put = await run(['put', ...ssh(), '--checksum-file', `${out}/sums`, remote(sshd, sshd.user, `${dir}/caf\xe9`)], 'checked');
    expect(put).toMatchObject({ status: 0, stderr: '' });
    expect(body(`${out}/sums`)).toMatch(/^[0-9a-f]{64} {2}caf\xe9\n$/);
    expect(spawnSync('sha256sum', ['-c', `${out}/sums`], { cwd: dir, encoding: 'latin1' })).toMatchObject({ status: 0, stdout: 'caf\xe9: OK\n' });
    const get = await run(['get', ...ssh(), '--check', `${out}/sums`, remote(sshd, sshd.user, `${dir}/caf\xe9`)]);
    expect({ status: get.status, stderr: get.stderr, out: get.stdout.toString() }).toEqual({ status: 0, stderr: '', out: 'checked' });
  });

  it('cp reads and writes the files and trees of those bytes', async () => {
    const dir = await userDir(sshd.user, 'latin1-local-cp');
    const out = local();
    writeFileSync(bytes(`${out}/caf\xe9`), 'file up');
    mkdirSync(bytes(`${out}/d\xe9`));
    writeFileSync(bytes(`${out}/d\xe9/x`), 'tree up');
    const up = await run(['cp', '-r', ...ssh(), `${out}/caf\xe9`, `${out}/d\xe9`, remote(sshd, sshd.user, `${dir}/`)]);
    expect(up).toMatchObject({ status: 0, stderr: '' });
    expect(namesIn(dir)).toEqual(['caf\xe9', 'd\xe9']);
    const back = `${out}/back\xe9`;
    const down = await run(['cp', ...ssh(), remote(sshd, sshd.user, `${dir}/caf\xe9`), back]);
    expect(down).toMatchObject({ status: 0, stderr: '' });
    expect(body(back)).toBe('file up');
    mkdirSync(bytes(`${out}/into\xe9`));
    const tree = await run(['cp', '-r', ...ssh(), remote(sshd, sshd.user, `${dir}/d\xe9`), `${out}/into\xe9`]);
    expect(tree).toMatchObject({ status: 0, stderr: '' });
    expect(body(`${out}/into\xe9/d\xe9/x`)).toBe('tree up');
  });

  it('-i reads the key of those bytes', async () => {
    const dir = await userDir(sshd.user, 'latin1-local-key');
    writeFileSync(join(dir, 'f'), 'keyed');
    const out = local();
    const key = `${out}/key\xe9`;
    copyFileSync(sshd.user.keyPath, bytes(key));
    const r = await run(['get', ...flags, ...sshFlags(sshd, sshd.user, [], key), remote(sshd, sshd.user, `${dir}/f`)]);
    expect({ status: r.status, stderr: r.stderr, out: r.stdout.toString() }).toEqual({ status: 0, stderr: '', out: 'keyed' });
    const missing = await run(['get', ...flags, ...sshFlags(sshd, sshd.user, [], `${out}/gone\xe9`), remote(sshd, sshd.user, `${dir}/f`)]);
    expect(missing.status).toBe(255);
    expect(missing.stderr).toContain(`not offered: ${out}/gone\\xe9 (no such file)`);
  });

  // get --output, which knows the size first, warns before the download
  // that it will not fit; the check looked at another directory's name and
  // said nothing.
  it('get --output into a Latin-1 directory too small for the file warns first, escaped', async () => {
    const dir = await userDir(sshd.user, 'latin1-local-room');
    writeFileSync(join(dir, 'big.bin'), randomBytes(3 << 20));
    await withTmpfs('1m', async (mnt) => {
      mkdirSync(bytes(`${mnt}/d\xe9`));
      const room = formatBytes(BigInt(statfsSync(mnt).bavail) * BigInt(statfsSync(mnt).bsize));
      const shown = `${mnt}/d\\xe9/got`;
      const r = await run(['get', ...ssh(), '--output', `${mnt}/d\xe9/got`, remote(sshd, sshd.user, `${dir}/big.bin`)]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 1,
        stderr:
          `scpipe: warning: ${shown}: the file is 3 MiB, and its file system has ${room} free: the download fails once it is full, unless the file system compresses it; ` +
          'stop it, then make room or give --output on another disk\n' +
          `scpipe: ${shown}: No space left on device (the file is 3 MiB, and its file system has ${room} free)\n`,
      });
      expect(namesIn(`${mnt}/d\xe9`)).toEqual([]);
    });
  });

  it('-F and -o UserKnownHostsFile read the files of those bytes', async () => {
    const dir = await userDir(sshd.user, 'latin1-local-config');
    writeFileSync(join(dir, 'f'), 'configured');
    const out = local();
    writeFileSync(bytes(`${out}/config\xe9`), `Host vault\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user.name}\n  IdentityFile ${sshd.user.keyPath}\n  BatchMode yes\n`);
    copyFileSync(sshd.knownHostsPath, bytes(`${out}/known\xe9`));
    const r = await run(['get', ...flags, '-F', `${out}/config\xe9`, '-o', `UserKnownHostsFile=${out}/known\xe9`, '-o', 'StrictHostKeyChecking=yes', `vault:${dir}/f`]);
    expect({ status: r.status, stderr: r.stderr, out: r.stdout.toString() }).toEqual({ status: 0, stderr: '', out: 'configured' });
  });

  it('put --name gives the remote file those bytes', async () => {
    const dir = await userDir(sshd.user, 'latin1-local-name');
    const r = await run(['put', ...ssh(), '--name', 'caf\xe9', remote(sshd, sshd.user, `${dir}/`)], 'named');
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(namesIn(dir)).toEqual(['caf\xe9']);
    expect(body(`${dir}/caf\xe9`)).toBe('named');
  });
});

// Node hands a child its arguments as UTF-8 only: a Latin-1 name after `--`
// reached the input command as U+FFFD, another file's name, where it had
// been refused before names were taken as their bytes.
it('put -- COMMAND gives the command its Latin-1 arguments as those bytes', async () => {
  const dir = await userDir(sshd.user, 'latin1-local-command');
  const out = local();
  writeFileSync(bytes(`${out}/caf\xe9`), 'from the command');
  const r = await run(['put', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`), '--', 'cat', `${out}/caf\xe9`, '']);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: expect.stringContaining("cat: '': No such file or directory") });
  // Named as bash reads it back: one backslash before the byte, not a backslash escaped.
  expect(r.stderr).toContain(`scpipe: the input command exited with status 1: cat $'${out}/caf\\xe9' ''; nothing was sent\n`);
  const ok = await run(['put', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`), '--', 'cat', `${out}/caf\xe9`]);
  expect(ok).toMatchObject({ status: 0, stderr: '' });
  expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('from the command');
});
