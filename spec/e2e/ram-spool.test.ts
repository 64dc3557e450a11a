// A spool left to its default directory ($TMPDIR, else /tmp) that is a tmpfs
// (/tmp on Debian 13, Fedora, Arch) takes memory past --memory, and a stream
// larger than the tmpfs fails there: the user is told once, at the first
// spill, and the upload goes on. A --spool-dir given is the user's choice:
// nothing is said then (put-failures.test.ts and parts-cli.test.ts use tmpfs ones).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { unmount } from '../helpers/tmpfs';

const sshd = sshdPerSuite();

describe('a default spool directory in RAM (TMPDIR on a tmpfs)', () => {
  let ram: string;
  beforeAll(async () => {
    ram = await mkdtemp(join(tmpdir(), 'scpipe-test-ramtmp-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', ram]);
  });
  afterAll(async () => {
    await unmount(ram);
    await rm(ram, { recursive: true, force: true });
  });

  const data = randomBytes(3 * 1024 * 1024 + 7);
  const warning = (cost: string) =>
    new RegExp(`^scpipe: warning: spooling in ${ram}, a file system in RAM \\(tmpfs, 16(\\.0)? MiB free\\): ${cost}; --spool-dir on a disk \\(e\\.g\\. /var/tmp\\) avoids it\n$`);

  it('a single file over SCP: one warning, exit 0, the file whole, the tmpfs empty again', async () => {
    const dir = await userDir(sshd.rssh, 'ramspool');
    const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '-O', '--memory', '1M', remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, dir)}/f.bin`)], { stdin: data, env: { TMPDIR: ram } });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(warning('the stream takes memory there, and fails if it outgrows it'));
    expect((await readFile(join(dir, 'f.bin'))).equals(data)).toBe(true);
    expect(await readdir(ram)).toEqual([]);
  });

  it('parts: one warning for the run, not one per part; exit 0, the set whole', async () => {
    const dir = await userDir(sshd.rssh, 'ramparts');
    const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '-O', '--memory', '0', '--part-size', '1M', remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, dir)}/s`)], { stdin: data, env: { TMPDIR: ram } });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(warning('each part past --memory takes memory there'));
    const parts = (await readdir(dir)).filter((n) => /^s\.\d{6}$/.test(n)).sort();
    expect(parts).toHaveLength(4);
    expect(Buffer.concat(await Promise.all(parts.map((n) => readFile(join(dir, n))))).equals(data)).toBe(true);
  });

  it('with --spool-dir on that tmpfs: nothing said', async () => {
    const dir = await userDir(sshd.rssh, 'ramchosen');
    const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '-O', '--memory', '1M', '--spool-dir', ram, remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, dir)}/f.bin`)], { stdin: data });
    expect(r).toMatchObject({ status: 0, stderr: '' });
  });
});
