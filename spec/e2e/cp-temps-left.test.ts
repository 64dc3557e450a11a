// What an SFTP copy (cp) that failed left on the server, against a fake
// server without posix-rename, whose rename onto a taken name is refused.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { upload, type ScpipeError } from '../../lib';
import { OLD_TARGET, startHostileSftp, type HostileSftp } from '../helpers/hostile-sftp';
import { tempDirPerTest } from '../helpers/temp-dir';

const tmp = tempDirPerTest('scpipe-cp-temps-left-');

// The library's options for the fake, from the CLI flags it gives.
function target(fake: HostileSftp) {
  const args = fake.args();
  const after = (flag: string) => args[args.indexOf(flag) + 1]!;
  const options = args.filter((_, i) => args[i - 1] === '-o');
  return { host: '127.0.0.1', user: 'backup', port: Number(after('-P')), identityFiles: [after('-i')], configFile: 'none', options };
}

// A signal while the old file is removed and the rename refused after it:
// the copy is the only one left, and the abort removed it too.
it('cp, a signal while the old target is removed, the rename then refused: the whole copy is kept and named, not removed', async () => {
  const stop = new AbortController();
  let renames = 0;
  const fake = await startHostileSftp({
    ...OLD_TARGET,
    renameStatus: () => (++renames === 2 ? (stop.abort(), 4) : 4), // the second comes after the removal of /d/f
  });
  try {
    const data = Buffer.alloc(100_000, 6);
    writeFileSync(join(tmp(), 'f'), data);
    const err = (await upload(target(fake), [join(tmp(), 'f')], '/d/f', { protocol: 'sftp', retries: 0, signal: stop.signal }).catch((e: unknown) => e)) as ScpipeError;
    const temps = fake.uploads.ops.filter((op) => op.startsWith('open ')).map((op) => op.slice('open '.length));
    expect(temps).toHaveLength(1);
    const temp = temps[0]!;
    expect(err.code).toBe('ERR_ABORTED');
    expect(err.message).toContain(`/d/f: removed, but the rename failed: the upload is whole in ${temp}`);
    expect(err.tempsLeft).toEqual([{ path: temp, state: 'whole' }]);
    expect(fake.uploads.ops.filter((op) => op.startsWith('remove '))).toEqual(['remove /d/f']);
    expect(fake.uploads.files.get(temp)!.equals(data)).toBe(true);
  } finally {
    await fake.stop();
  }
}, 60_000);

// Lost at the rename after the old target was removed (no posix-rename): the
// copy is whole, under one of the two names, not partial.
it('cp --retries 0, the old target removed and the rename\'s answer lost: the copy is named whole, under one of two names', async () => {
  let renames = 0;
  const fake = await startHostileSftp({
    ...OLD_TARGET,
    dropOnRename: () => ++renames === 2, // the second, after the removal of /d/f (asked before renameStatus)
    renameStatus: () => (renames === 1 ? 4 : undefined),
  });
  try {
    const data = Buffer.alloc(100_000, 7);
    writeFileSync(join(tmp(), 'f'), data);
    const err = (await upload(target(fake), [join(tmp(), 'f')], '/d/f', { protocol: 'sftp', retries: 0 }).catch((e: unknown) => e)) as ScpipeError;
    const temps = fake.uploads.ops.filter((op) => op.startsWith('open ')).map((op) => op.slice('open '.length));
    expect(temps).toHaveLength(1);
    const temp = temps[0]!;
    expect(err.code).toBe('ERR_LOST_CONNECTION');
    expect(err.tempsLeft).toEqual([{ path: temp, state: 'renaming', target: '/d/f' }]);
    expect(err.message).toContain(`; the rename's answer was lost, so the upload, whole, is either in place as /d/f or left in ${temp}`);
    expect(err.message).not.toContain('partial');
    expect(fake.uploads.files.get(temp)!.equals(data)).toBe(true);
    expect(fake.uploads.files.has('/d/f')).toBe(false);
  } finally {
    await fake.stop();
  }
}, 60_000);
