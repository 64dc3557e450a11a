// get() of a parts set fetches up to `parallel` parts ahead of the one being
// written out, also while the reader is slow to take that one: with
// --parallel 1 the next part comes in while a part goes out, rather than
// after it. Counted by the parts whose `scp -f` has started while nothing
// past the first MiB of part 0 has been read, not by timing.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { get, put } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { waitFor, waitForSteady } from '../helpers/async';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-parts-ahead-', { mustEndEmpty: true });
const target = () => connectOptions(sshd, sshd.rssh);
const PART = 2 * 1024 * 1024;

describe('get() of a parts set: the parts fetched ahead', () => {
  it.each([1, 2])('with parallel %i, that many parts come in while part 0 waits for its reader, and no more', async (parallel) => {
    const dir = await userDir(sshd.rssh, 'ahead');
    const data = randomBytes(4 * PART + 7);
    await put(target(), `${dir}/a.bin`, Readable.from([data]), { partSize: PART, spoolDir: spoolDir() });
    const started: string[] = [];
    const download = await get(target(), `${dir}/a.bin`, { parallel, spoolDir: spoolDir(), trace: (l) => started.push(...(/receiving (a\.bin\.\d+):/.exec(l)?.slice(1) ?? [])) });
    // Nothing is read yet: part 0 stalls on the body's buffer (1 MiB) after its first MiB.
    const wanted = Array.from({ length: parallel + 1 }, (_, i) => `a.bin.00000${i}`);
    try {
      await waitFor(() => started.length >= parallel + 1, `${wanted.join(', ')} started`);
      await waitForSteady(() => started.length, 'no further part started');
      expect([...started].sort()).toEqual(wanted); // the parts ahead start at once, in any order
    } catch (err) {
      download.body.destroy();
      throw err;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of download.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect([...started].sort()).toEqual(['a.bin.000000', 'a.bin.000001', 'a.bin.000002', 'a.bin.000003', 'a.bin.000004']);
  });
});
