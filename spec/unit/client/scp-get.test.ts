// getOverChannel's check of the remote path, before any channel is opened.
import { getOverChannel } from '../../../lib/client/scp-get';
import type { OpenChannel } from '../../../lib/client/connection';
import { fakePeer } from '../../helpers/fake-channel';

describe('getOverChannel: a remote path that names no file', () => {
  it.each([
    ['/', '"/" does not name a file'],
    ['a/..', '"a/.." does not name a file'],
    ['~', '"~" does not name a file'],
    // The user's own argument, but a terminal must not act on it either (cp's message escapes it too).
    ['x\x1b]0;owned\x07/..', '"x\\x1b]0;owned\\x07/.." does not name a file'],
  ])('%j: ERR_USAGE, before anything is opened', async (path, message) => {
    const open = jest.fn() as unknown as OpenChannel;
    await expect(getOverChannel(open, path)).rejects.toMatchObject({ code: 'ERR_USAGE', message });
    expect(open).not.toHaveBeenCalled();
  });
});

describe('getOverChannel: the name the remote sends (scp -T)', () => {
  // A source that answers a request for "wanted" with a file called "other".
  const other = () => {
    const peer = fakePeer({ chunks: [Buffer.from('C0644 3 other\n'), Buffer.from('abc\0')], closeEarly: true });
    return (async () => peer.channel) as unknown as OpenChannel;
  };

  it('refuses a name it did not ask for', async () => {
    const download = await getOverChannel(other(), 'dir/wanted').catch((e: unknown) => e);
    expect(download).toMatchObject({ code: 'ERR_UNSAFE_NAME' });
  });

  it('takes it with strictNames: false', async () => {
    const download = await getOverChannel(other(), 'dir/wanted', { strictNames: false });
    expect(download.name).toBe('other');
    const chunks: Buffer[] = [];
    for await (const c of download.body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('abc');
    await download.done;
  });
});
