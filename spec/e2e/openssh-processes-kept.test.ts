// --transport openssh runs one ssh per command: a run of thousands of
// commands (parts) must not keep each ended ssh for its whole length.
import { readdir } from 'node:fs/promises';
import { SshProcesses } from '../../lib/client/ssh-processes';
import { waitFor } from '../helpers/async';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();

describe('--transport openssh: ended ssh processes', () => {
  it('an ssh that ended with its command done is let go; one that could not connect is kept to explain the failure', async () => {
    const dir = await userDir(sshd.rssh, 'kept');
    const target = {
      transport: 'openssh' as const, host: '127.0.0.1', user: sshd.rssh.name, port: sshd.port, identityFiles: [sshd.rssh.keyPath], configFile: 'none',
      options: [`UserKnownHostsFile=${sshd.knownHostsPath}`, 'BatchMode=yes'],
    };
    const ssh = new SshProcesses(target);
    const signal = new AbortController().signal;
    for (let i = 0; i < 12; i++) {
      const channel = await ssh.open(`scp -t '${dir}/f${i}'`, signal, true);
      channel.stdin.end(Buffer.from('C0644 1 f\nx\0'));
      channel.stdout.resume();
      expect(await channel.exit).toEqual({ code: 0, signal: null });
    }
    expect(await readdir(dir)).toHaveLength(12);
    await waitFor(() => ssh.kept === 0, 'the ended ssh processes let go');
    ssh.close();

    const refused = new SshProcesses({ ...target, identityFiles: [sshd.wrongKeyPath], options: [...target.options, 'IdentitiesOnly=yes'] });
    await expect(refused.open(`scp -t '${dir}/g'`, signal, true)).rejects.toMatchObject({ code: 'ERR_AUTH' });
    expect(refused.kept).toBe(1);
    await expect(refused.explain(new Error('lost'))).resolves.toMatchObject({ code: 'ERR_AUTH' });
    refused.close();
  });
});
