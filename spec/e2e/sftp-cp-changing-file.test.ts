// cp over SFTP of a local file that changes between its fstat (the size the
// upload is checked against) and the end of its reads, against a real
// sshd: a file that grew or shrank is an error (exit 1), its temporary file
// is removed, no target appears, and the local file is left as it now is.
// The change is made as the file starts (its first progress report, before
// the first read), for a file smaller than one write request (one read of
// its size) and for one of several (reads fitted to the requests), with and
// without a checksum (the sum is taken on the same reads).
import { randomBytes } from 'node:crypto';
import { appendFileSync, truncateSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { upload, type ScpipeError } from '../../lib';
import { exitStatusFor } from '../../cli/exit-status';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const tmp = tempDirPerTest('scpipe-sftp-cp-changing-');

const cases: [string, number, (path: string) => void, (size: number) => RegExp][] = [
  ['grew', 100, (p) => appendFileSync(p, 'more'), (n) => new RegExp(`/f: the file grew while being sent \\(past its ${n} bytes\\); not stored`)],
  ['grew', 3_000_000, (p) => appendFileSync(p, 'more'), (n) => new RegExp(`/f: the file grew while being sent \\(past its ${n} bytes\\); not stored`)],
  ['shrank', 100, (p) => truncateSync(p, 40), (n) => new RegExp(`/f: the file shrank while being sent \\(40 of ${n} bytes\\); not stored`)],
  ['shrank', 3_000_000, (p) => truncateSync(p, 1_000_000), (n) => new RegExp(`/f: the file shrank while being sent \\(1000000 of ${n} bytes\\); not stored`)],
];

describe.each([false, true])('sha256: %s', (sha256) => it.each(cases)('a file that %s (%i bytes) while cp sends it: exit 1, nothing stored, no temporary file left, no sum told', async (_how, size, change, said) => {
  const dir = await userDir(sshd.user, 'changing');
  const local = join(tmp(), 'f');
  await writeFile(local, randomBytes(size));
  let changed = false;
  let copied = 0;
  const err = (await upload(connectOptions(sshd, sshd.user), [local], dir, {
    protocol: 'sftp',
    retries: 0,
    sha256,
    onFileCopied: () => copied++,
    onProgress: (p) => {
      if (changed || p.bytes !== 0n) return;
      changed = true;
      change(local);
    },
  }).catch((e: unknown) => e)) as ScpipeError;
  expect(changed).toBe(true);
  expect(err.code).toBe('ERR_LOCAL_IO');
  expect(err.message).toMatch(said(size));
  expect(exitStatusFor(err)).toBe(1);
  expect(copied).toBe(0);
  expect(await readdir(dir)).toEqual([]); // neither the target nor its temporary file
  expect((await readFile(local)).length).toBe(_how === 'grew' ? size + 4 : size === 100 ? 40 : 1_000_000);
}, 60_000));
