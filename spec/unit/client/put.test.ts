import { putOverChannel } from '../../../lib/client/put';
import { DescriptorInput } from '../../../lib/spool';

describe('putOverChannel', () => {
  it('refuses a DescriptorInput with a known size, before opening a channel', async () => {
    const open = jest.fn();
    await expect(putOverChannel(open, 'f', new DescriptorInput(0), { size: 3n })).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: 'a DescriptorInput is spooled: with a known size, pass a Readable (e.g. process.stdin)',
    });
    expect(open).not.toHaveBeenCalled();
  });
});
