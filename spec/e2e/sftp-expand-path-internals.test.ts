// A `~user/` path over SFTP is expanded by the server through ssh2's
// internals (lib/sftp/expand-path.ts). Where the ssh2 in use has others (a
// program that installed a newer 1.x beside scpipe), the run fails saying
// so and what to do instead, as a usage error: not as a lost session,
// which would be retried against the same wall.
import { ChannelOpener } from '../../lib/client/connection';
import { SftpSession, isScpipeError } from '../../lib';
import { exitStatusFor } from '../../cli/exit-status';
import { connectOptions } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();

it('an ssh2 whose internals differ: ERR_USAGE (exit 2) saying to give the full path or use SCP', async () => {
  const opener = new ChannelOpener(connectOptions(sshd, sshd.user));
  try {
    const raw = (await opener.sftp(new AbortController().signal)).session;
    const session = new SftpSession(raw);
    expect(session.has('expand-path@openssh.com')).toBe(true);
    // ssh2 only tests it for truth; expand-path.ts takes a field of another type for internals it does not know.
    (raw as unknown as { _waitWindow: unknown })._waitWindow = 0;
    const err = await session.expandPath(`~${sshd.user.name}/x`).catch((e: unknown) => e);
    expect(isScpipeError(err, 'ERR_USAGE')).toBe(true);
    expect((err as Error).message).toBe(
      `"~${sshd.user.name}/x": the ssh2 module in use cannot send expand-path@openssh.com (not the internals scpipe knows): give the full path, or use SCP (-O)`,
    );
    expect(exitStatusFor(err)).toBe(2);
    // The session is still good for other requests.
    expect(await session.realpath('.')).toMatch(/^\//);
    session.end();
  } finally {
    opener.close();
  }
});
