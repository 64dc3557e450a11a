// SftpSession is public API: a program that opens a file with flags ssh2
// does not know gets a rejected promise with ERR_USAGE saying which flags
// there are, and nothing is sent to the server.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenMode } from 'ssh2';
import { ChannelOpener } from '../../lib/client/connection';
import { SftpSession, isScpipeError } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();

it('open() with unknown flags rejects with ERR_USAGE and creates nothing', async () => {
  const opener = new ChannelOpener(connectOptions(sshd, sshd.user));
  try {
    const dir = await userDir(sshd.user, 'flags');
    const session = new SftpSession((await opener.sftp(new AbortController().signal)).session);
    let opened: Promise<Buffer> | undefined;
    expect(() => (opened = session.open(join(dir, 'f'), 'rw+' as OpenMode))).not.toThrow();
    const err: unknown = await opened!.catch((e: unknown) => e);
    expect(isScpipeError(err, 'ERR_USAGE')).toBe(true);
    expect((err as Error).message).toBe('open: unknown file open flags "rw+" (give r, r+, w, wx, xw, w+, wx+, xw+, a, ax, xa, a+, ax+ or xa+, or SSH_FXF_* as a number)');
    expect(await readdir(dir)).toEqual([]);
    session.end();
  } finally {
    opener.close();
  }
});
