import { Readable } from 'node:stream';
import { put } from '../../../lib/client/put';
import { putOverChannel } from '../../../lib/client/scp-put';
import { describeSpill } from '../../../lib/client/scp-send';
import { get } from '../../../lib/client/get';
import type { Target } from '../../../lib/client/connection';

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
    await expect(putOverChannel(open, 'f', { fd: -1 })).rejects.toMatchObject({ code: 'ERR_USAGE', message: 'bad file descriptor: -1' });
    expect(open).not.toHaveBeenCalled();
  });

  it('says what failed while connecting, not "aborted" (exit 130), when it is not a ScpipeError', async () => {
    // As ssh2's lazy require failing for want of file descriptors (ulimit -n 24)
    // did, while the input was still being spooled.
    const open = (): Promise<never> => Promise.reject(new Error("Cannot find module 'asn1'"));
    const input = new Readable({ read() { /* a producer that has not written yet */ } });
    await expect(putOverChannel(open, 'f', input)).rejects.toMatchObject({
      code: 'ERR_LOCAL_IO',
      message: "unexpected failure: Cannot find module 'asn1'",
    });
    input.destroy();
  });
});

describe('put() of what a JavaScript caller may slip in', () => {
  // Checked before connecting (nothing listens on port 9 here). A number for
  // `size` reached the SCP data phase with the remote file already opened.
  const target = { host: '127.0.0.1', port: 9, configFile: 'none' };

  it.each([
    ['a number size', Buffer.from('x'), { size: 1 as unknown as bigint }, 'size: give a bigint of 0 or more (as 1024n), not number 1'],
    ['a negative size', Buffer.from('x'), { size: -1n }, 'size: give a bigint of 0 or more (as 1024n), not bigint -1'],
    ['a string to send', 'hello' as unknown as Uint8Array, {}, 'nothing to send: give a Readable, an async iterable of bytes, a Uint8Array or { fd }, not string'],
    ['null to send', null as unknown as Uint8Array, {}, 'nothing to send: give a Readable, an async iterable of bytes, a Uint8Array or { fd }, not null'],
  ])('refuses %s with ERR_USAGE', async (_what, input, opts, message) => {
    await expect(put(target, 'f', input, opts)).rejects.toMatchObject({ code: 'ERR_USAGE', message });
    const open = jest.fn();
    await expect(putOverChannel(open, 'f', input, opts)).rejects.toMatchObject({ code: 'ERR_USAGE', message });
    expect(open).not.toHaveBeenCalled();
  });

  it.each([
    ['no host', { user: 'backup' }],
    ['an empty host', { host: '' }],
    ['null', null],
    ['a string', 'backup@vault'],
  ])('refuses a target with %s with ERR_USAGE', async (_what, bad) => {
    const message = 'target: give connection options with a host ({ host, user, … }) or a connected ssh2 Client';
    await expect(put(bad as unknown as Target, 'f', Buffer.from('x'))).rejects.toMatchObject({ code: 'ERR_USAGE', message });
    await expect(get(bad as unknown as Target, 'f')).rejects.toMatchObject({ code: 'ERR_USAGE', message });
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
