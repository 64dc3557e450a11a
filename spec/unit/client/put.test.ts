import { describeSpill, putOverChannel } from '../../../lib/client/put';

describe('putOverChannel', () => {
  it('refuses a file descriptor with a known size, before opening a channel', async () => {
    const open = jest.fn();
    await expect(putOverChannel(open, 'f', { fd: 0 }, { size: 3n })).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: 'a file descriptor is spooled: with a known size, pass a Readable (e.g. process.stdin)',
    });
    expect(open).not.toHaveBeenCalled();
  });

  it('refuses a bad file descriptor', async () => {
    const open = jest.fn();
    await expect(putOverChannel(open, 'f', { fd: -1 })).rejects.toMatchObject({ code: 'ERR_USAGE', message: 'invalid file descriptor: -1' });
    expect(open).not.toHaveBeenCalled();
  });
});

describe('describeSpill (put -v)', () => {
  const MiB = 1024 * 1024;
  it('says where the spool went on, and why', () => {
    expect(describeSpill({ to: 'memory', dir: '/dev/shm', bytes: 8 * MiB + 4096 }, 64 * MiB)).toBe(
      'spool: past 8 MiB, RAM goes on in a memory file in /dev/shm',
    );
    expect(describeSpill({ to: 'disk', dir: '/var/tmp', bytes: 64 * MiB + 1 }, 64 * MiB)).toBe(
      'spool: over the memory limit (64 MiB): spilling to a file in /var/tmp',
    );
    expect(describeSpill({ to: 'disk', dir: '/var/tmp', bytes: 40 * MiB }, 64 * MiB)).toBe(
      'spool: the memory file is full or could not be made after 40 MiB: spilling to a file in /var/tmp',
    );
  });

  it('escapes the directory for the terminal', () => {
    expect(describeSpill({ to: 'disk', dir: '/tmp/\x1b[2Jx', bytes: 2 }, 1)).not.toContain('\x1b');
  });
});
