// The lock of a restore cut by a reboot or a power cut names another boot.
// On a local file system only this kernel writes, so its run is gone: taken
// over, and the nightly run goes on. On a FUSE one (as sshfs, or NFS) another
// machine may hold it now: refused, saying why. Its pid is this test's own,
// alive, so that only the boot decides.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { takeResumeLock } from '../../../lib/client/resume-lock';
import { rejection } from '../../helpers/async';
import { tempDirPerTest } from '../../helpers/temp-dir';
import { pidns } from '../../helpers/lock-identity';

const earlierBoot = `boot=00000000-0000-4000-8000-000000000000 pidns=${pidns}`;
const lockOf = (host: string): string => `${process.pid} 1 2026-12-06T02:00:00.000Z ${host} ${earlierBoot}\n`;

describe('a lock of another boot, on a local file system (ext4 or tmpfs here)', () => {
  const dir = tempDirPerTest('scpipe-resume-lock-boot-');

  it.each([
    ['this host', hostname()],
    ['a disk that was another machine', 'old-vault.example'],
  ])('of %s: taken over, said under -v', async (_of, host) => {
    const lockPath = join(dir(), 'out.scpipe-lock');
    writeFileSync(lockPath, lockOf(host));
    const lines: string[] = [];
    const lock = await takeResumeLock(join(dir(), 'out'), (l) => lines.push(l));
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(`^${lockPath}: the run that held it \\(pid ${process.pid} on ${host}, since 2026-12-06T02:00:00.000Z\\) ran before this machine last started \\(another boot, on (ext4|tmpfs|overlay|xfs|btrfs), which no other machine writes\\): lock taken over$`),
      ),
    ]);
    expect(readFileSync(lockPath, 'utf8')).not.toBe(lockOf(host));
    await lock.release();
    expect(readdirSync(dir())).toEqual([]);
  });
});

describe('a lock of another boot, on a file system other machines may write (FAT through FUSE)', () => {
  let work: string;
  let mnt: string;
  beforeAll(() => {
    if (!existsSync('/dev/fuse') || !existsSync('/usr/bin/fusefat')) throw new Error('this test mounts a FAT image through FUSE: needs /dev/fuse and fusefat (run `sudo bash scripts/install-test-deps.sh`)');
    work = mkdtempSync(join(tmpdir(), 'scpipe-resume-lock-fuse-'));
    mnt = join(work, 'mnt');
    mkdirSync(mnt);
    execFileSync('truncate', ['-s', '8M', join(work, 'fat.img')]);
    execFileSync('mkfs.vfat', [join(work, 'fat.img')], { stdio: 'ignore' });
    execFileSync('fusefat', ['-o', 'rw+', join(work, 'fat.img'), mnt], { stdio: 'ignore' });
  });
  afterAll(() => {
    if (work === undefined) return;
    execFileSync('umount', [mnt]);
    rmSync(work, { recursive: true, force: true });
  });

  it('ERR_LOCKED, naming the holder, the other boot and the file system; the lock left as it was', async () => {
    const lockPath = join(mnt, 'out.scpipe-lock');
    writeFileSync(lockPath, lockOf(hostname()));
    const err = await rejection(takeResumeLock(join(mnt, 'out')));
    expect(err.code).toBe('ERR_LOCKED');
    expect(err.message).toContain(
      `(pid ${process.pid} on ${hostname()}, since 2026-12-06T02:00:00.000Z; from another boot of this host (gone since a restart) or another machine of that name, on fuse, which other machines may write)`,
    );
    expect(readFileSync(lockPath, 'utf8')).toBe(lockOf(hostname()));
  });
});
