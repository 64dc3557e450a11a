// A connection that fails after its TCP connect but before the SSH handshake
// starts (a bad algorithm list) leaves no socket behind: a program using the
// library would otherwise stay alive until sshd's LoginGraceTime closed it.
import { put } from '../../lib';
import { connectOptions, remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { rejection, waitFor } from '../helpers/async';
import { readdir } from 'node:fs/promises';

const sshd = sshdPerSuite();

const tcpSockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe('a connect refused by its own options after the TCP connect', () => {
  it('rejects with ERR_CONFIG, writes nothing, and closes the TCP connection', async () => {
    const dir = await userDir(sshd.rssh, 'setup-fail');
    const before = tcpSockets();
    const opts = connectOptions(sshd, sshd.rssh);
    const target = { ...opts, options: [...opts.options, 'Ciphers=-'] };
    const err = await rejection(put(target, `${remotePath(sshd.rssh, dir)}/never.txt`, Buffer.from('x')));
    expect(err.code).toBe('ERR_CONFIG');
    expect(err.message).toBe('Ciphers: empty list "-"');
    await waitFor(() => tcpSockets() <= before, 'the TCP connection closed', 5_000);
    expect(await readdir(dir)).toEqual([]);
  });
});
