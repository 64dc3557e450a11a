// get to a pipe whose reader stops early (`scpipe get … | head -c 1`).
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, remote, shellQuote, sshFlags } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();

it('says the reader stopped, in the words of GNU tools, not "write EPIPE" (exit 1)', async () => {
  const dir = await userDir(sshd.user, 'epipe');
  await writeFile(join(dir, 'big'), Buffer.alloc(8 << 20));
  const cmd = `${shellQuote([process.execPath, CLI, 'get', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/big`)])} | head -c 1 >/dev/null; echo "status=\${PIPESTATUS[0]}" >&2`;
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 30000, env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
  expect(r.stderr).toBe('scpipe: cannot write stdout: Broken pipe (the program reading it exited before the end of the file)\nstatus=1\n');
});
