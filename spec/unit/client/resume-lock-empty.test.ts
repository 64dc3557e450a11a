// A power cut just as a restore began can leave its lock empty: made (O_EXCL)
// but its line never written out. Made before this machine last started, on
// a local file system only this kernel writes, its run is gone: taken over,
// as a lock naming another boot is. An empty lock made since the boot may be
// a run writing it this instant: refused as before.
import { readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { takeResumeLock } from '../../../lib/client/resume-lock';
import { rejection } from '../../helpers/async';
import { tempDirPerTest } from '../../helpers/temp-dir';

const dir = tempDirPerTest('scpipe-resume-lock-empty-');
// When this machine started, in seconds (/proc/stat's btime).
const bootS = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);

it('an empty lock made before this boot (tmpfs or ext4 here): taken over, said under -v', async () => {
  const lockPath = join(dir(), 'out.scpipe-lock');
  writeFileSync(lockPath, '');
  utimesSync(lockPath, bootS - 3600, bootS - 3600);
  const lines: string[] = [];
  const lock = await takeResumeLock(join(dir(), 'out'), (l) => lines.push(l));
  expect(lines).toEqual([expect.stringMatching(new RegExp(`^${lockPath}: empty, made before this machine last started \\(a power cut as its run began\\), on (ext4|tmpfs|overlay|xfs|btrfs), which no other machine writes: lock taken over$`))]);
  expect(readFileSync(lockPath, 'utf8')).toMatch(new RegExp(`^${process.pid} `));
  await lock.release();
  expect(readdirSync(dir())).toEqual([]);
});

it('an empty lock made since this boot: ERR_LOCKED, the lock left as it was', async () => {
  const lockPath = join(dir(), 'out.scpipe-lock');
  writeFileSync(lockPath, '');
  const err = await rejection(takeResumeLock(join(dir(), 'out')));
  expect(err.code).toBe('ERR_LOCKED');
  expect(err.message).toContain('(a holder it does not name)');
  expect(readFileSync(lockPath, 'utf8')).toBe('');
});
