// A parts put that ends early leaves nothing in its spool directory and
// holds no spool file open, whichever way it ends (the caller's abort, as
// SIGINT; the producer failing mid-part; the server refusing the parts) and
// whether the parts' spool files are unnamed (O_TMPFILE) or named and
// unlinked at once (a file system without O_TMPFILE: NFS, FUSE). The part
// being cut when it ends has spilled past memoryLimit, so its file is open.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { put } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { openSpoolFilesIn } from '../helpers/open-files';
import { withoutUnnamedFiles } from '../helpers/no-unnamed-files';
import { rejection, waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-test-parts-spool-', { mustEndEmpty: true });
const MiB = 1024 * 1024;

type Ending = 'abort' | 'producer' | 'server';
const endings: [Ending, RegExp][] = [
  ['abort', /^aborted; the parts set x\.bin is incomplete/],
  ['producer', /^error reading input: producer died; the parts set x\.bin is incomplete/],
  ['server', /^remote: scp: .*\/missing\/x\.bin\.00000\d: No such file or directory \(the directory .*\/missing is not there; to make it: mkdir empty && scpipe cp -r empty HOST:.*\/missing\); the parts set x\.bin is incomplete/],
];

describe.each([
  ['unnamed spool files', false],
  ['named spool files (no O_TMPFILE)', true],
])('put() with partSize, %s, ended early', (_what, named) => {
  it.each(endings)('by %s: nothing is left in the spool directory or held open', async (ending, message) => {
    const refused = named ? withoutUnnamedFiles() : undefined;
    const dir = await userDir(sshd.rssh, 'parts-spool');
    const input = new Readable({ read() {} });
    const ac = new AbortController();
    let spills = 0;
    const target = ending === 'server' ? `${dir}/missing/x.bin` : `${dir}/x.bin`;
    const running = put(connectOptions(sshd, sshd.rssh), target, input, {
      partSize: MiB, parallel: 2, spoolDir: spoolDir(), memoryLimit: MiB / 2, signal: ac.signal, backoffMs: [0], onSpill: () => spills++,
    });
    try {
      // Past memoryLimit within the first part: it goes on in a spool file.
      for (let i = 0; i < 3; i++) input.push(randomBytes(MiB / 4));
      await waitFor(() => spills > 0 && openSpoolFilesIn(spoolDir()).length > 0, 'the first part spilled');
      if (ending === 'abort') ac.abort();
      else if (ending === 'producer') input.destroy(new Error('producer died'));
      else for (let i = 0; i < 12; i++) input.push(randomBytes(MiB / 4));
      const err = await rejection(running);
      expect(err.message).toMatch(message);
      expect(openSpoolFilesIn(spoolDir())).toEqual([]);
      expect(await readdir(spoolDir())).toEqual([]);
      if (refused) expect(refused.refused()).toBeGreaterThan(0);
    } finally {
      input.destroy();
    }
  });
});
