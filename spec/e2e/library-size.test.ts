// put() of a Uint8Array with `size`: the size must match, over SCP as over
// SFTP (SCP sent the whole buffer and ignored `size`), and `ignoreExcess`
// sends its first `size` bytes.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { put, isScpipeError } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
const target = () => connectOptions(sshd, sshd.user);
const body = Buffer.from('0123456789');

describe.each(['scp', 'sftp'] as const)('put of a Uint8Array with size over %s', (protocol) => {
  let dir: string;
  beforeEach(async () => {
    dir = await userDir(sshd.user, `size-${protocol}`);
  });

  it.each([4n, 16n])('rejects size %s for 10 bytes, and stores nothing', async (size) => {
    const err = await put(target(), `${dir}/f`, body, { protocol, size }).catch((e: unknown) => e);
    expect(isScpipeError(err, 'ERR_SIZE_MISMATCH')).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('sends the first size bytes with ignoreExcess', async () => {
    const result = await put(target(), `${dir}/f`, body, { protocol, size: 4n, ignoreExcess: true });
    expect(result.bytes).toBe(4n);
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('0123');
  });

  it('sends it as it is when size matches', async () => {
    expect((await put(target(), `${dir}/f`, body, { protocol, size: 10n })).bytes).toBe(10n);
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('0123456789');
  });
});
