// A remote path with a newline over SCP: scp's records and its error lines
// end at a newline, so put's error was cut there (ERR_REMOTE), get's said
// "protocol error" or refused the name the remote encoded, and cp stored it.
// Each refuses it alike before sending it, with the path escaped and whole;
// over SFTP, which carries it, each goes through.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-newline-path-');
const refusal = (path: string): string =>
  `scpipe: ${path.replace(/\n/g, '\\n')}: a remote path with a newline cannot go over SCP (its records and messages are lines): use SFTP (--protocol sftp)\n`;

describe('a remote path with a newline', () => {
  let dir: string;
  const flags = (): string[] => sshFlags(sshd, sshd.user);
  beforeEach(async () => {
    dir = await userDir(sshd.user, 'newline');
    writeFileSync(join(dir, 'x\ny'), 'hello\n');
    writeFileSync(join(local(), 'src'), 'data\n');
  });

  it.each([
    ['put, a directory with a newline', () => ['put', '-O', ...flags(), remote(sshd, sshd.user, `${dir}/no\nsuch/f`)], () => `${dir}/no\nsuch/f`],
    ['put, a name with a newline', () => ['put', '-O', ...flags(), remote(sshd, sshd.user, `${dir}/a\nb`)], () => `${dir}/a\nb`],
    ['get of a file there', () => ['get', '-O', ...flags(), remote(sshd, sshd.user, `${dir}/x\ny`)], () => `${dir}/x\ny`],
    ['get of a file not there', () => ['get', '-O', ...flags(), remote(sshd, sshd.user, `${dir}/no\nfile`)], () => `${dir}/no\nfile`],
    ['cp up', () => ['cp', '-O', ...flags(), join(local(), 'src'), remote(sshd, sshd.user, `${dir}/c\nd`)], () => `${dir}/c\nd`],
    ['cp down', () => ['cp', '-O', ...flags(), remote(sshd, sshd.user, `${dir}/x\ny`), join(local(), 'got')], () => `${dir}/x\ny`],
  ])('over SCP, %s: refused as a usage error, the path whole and escaped', async (_what, args, path) => {
    const r = await runCli(args(), { stdin: Buffer.from('abc') });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: refusal(path()) });
    expect(existsSync(join(dir, 'a\nb')) || existsSync(join(dir, 'c\nd')) || existsSync(join(local(), 'got'))).toBe(false);
  });

  it('over SFTP: put, get and cp both ways carry it', async () => {
    const s = ['--protocol', 'sftp', ...flags()];
    expect(await runCli(['put', ...s, remote(sshd, sshd.user, `${dir}/a\nb`)], { stdin: Buffer.from('abc') })).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(join(dir, 'a\nb'), 'utf8')).toBe('abc');
    const got = await runCli(['get', ...s, remote(sshd, sshd.user, `${dir}/x\ny`)]);
    expect({ status: got.status, out: got.stdout.toString() }).toEqual({ status: 0, out: 'hello\n' });
    expect(await runCli(['cp', ...s, join(local(), 'src'), remote(sshd, sshd.user, `${dir}/c\nd`)])).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(join(dir, 'c\nd'), 'utf8')).toBe('data\n');
    expect(await runCli(['cp', ...s, remote(sshd, sshd.user, `${dir}/x\ny`), join(local(), 'got')])).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(join(local(), 'got'), 'utf8')).toBe('hello\n');
  });
});
