// A remote that refuses the command before it runs (an rssh-like wrapper,
// scpipe serve) says why on its stderr: the user sees each of its lines
// once, the first in scpipe's message and the rest before it, and nothing
// is left on the remote.
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { userDir, type TestSshd } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { servePerSuite } from '../helpers/serve';

const RSSH_REST = 'Allowed commands: scp \n\nIf you believe this is in error, please contact your system administrator.\n';

// get -O (and `extra`) from a remote scp that says a line and hangs, interrupted (exit 130) once `seen` is on stderr: its stderr.
async function interruptedHang(sshd: TestSshd, name: string, extra: string[], seen: string): Promise<string> {
  const dir = await userDir(sshd.user, name);
  const script = join(dir, 'scp.sh');
  await writeFile(script, "#!/bin/sh\necho 'waiting for the tape' >&2\nexec sleep 600\n");
  await chmod(script, 0o755);
  const run = startCli(['get', '-O', ...extra, '--scp-path', script, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, 'x.bin')], { timeoutMs: 60_000 });
  try {
    await waitFor(() => run.stderr().includes(seen), 'the remote\'s line', 20_000);
  } finally {
    run.child.kill('SIGINT');
  }
  expect((await run.done).status).toBe(130);
  return run.stderr();
}

describe('an rssh-like wrapper refuses the command', () => {
  const sshd = sshdPerSuite();

  it.each(['ssh2', 'openssh'])('put --transport %s: its words once, exit 1', async (transport) => {
    const dir = await userDir(sshd.rssh, `refused-${transport}`);
    const r = await runCli(['put', '--transport', transport, '--scp-path', '/bin/sh', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/f`)], { stdin: 'x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`${RSSH_REST}scpipe: remote command exited with status 1 before the transfer started: This account is restricted by rssh.\n`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('get -O: its words once, exit 1, nothing on stdout', async () => {
    const dir = await userDir(sshd.rssh, 'refused-get');
    const r = await runCli(['get', '-O', '--scp-path', '/bin/sh', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/f`)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`${RSSH_REST}scpipe: remote command exited with status 1: This account is restricted by rssh.\n`);
    expect(r.stdout.length).toBe(0);
  });
});

describe('-v: a remote that hangs before it answers', () => {
  const sshd = sshdPerSuite();

  // Nothing is held under -v: what the remote (or ssh's debug output) says is seen while it hangs.
  it('get: its stderr is shown as it comes', async () => {
    await interruptedHang(sshd, 'hangs', ['-v'], '\nwaiting for the tape\n');
  }, 40_000);
});

describe('a remote that hangs before it answers, without -v', () => {
  const sshd = sshdPerSuite();

  // A refusal comes with the remote's exit at once: lines held longer are from a remote that hangs, and are shown.
  it('get: its stderr is shown within a few seconds', async () => {
    const stderr = await interruptedHang(sshd, 'hangs-quiet', [], 'waiting for the tape\n');
    expect(stderr.split('waiting for the tape').length).toBe(2); // said once
  }, 40_000);
});

describe('scpipe serve refuses the command', () => {
  const serve = servePerSuite();

  it('put: its words once, exit 1', async () => {
    const r = await runCli(['put', '-O', '--scp-path', '/bin/sh', ...serve.scpipeArgs(), 'backup@127.0.0.1:/f'], { stdin: 'x' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'This account is restricted by scpipe serve.\nAllowed commands: scp (-t, -f, -r, -p, -d, -v)\n' +
        'scpipe: remote command exited with status 1 before the transfer started: scpipe serve: command not allowed: /bin/sh\n',
    );
    expect(await readdir(serve.root)).toEqual([]);
  });
});
