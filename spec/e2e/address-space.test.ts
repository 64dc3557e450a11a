// Under an address-space limit (ulimit -v 4 GiB): ssh2's WebAssembly
// poly1305 cannot reserve its memory there, and its rejection killed scpipe
// (exit 1), dumping the module's source.
import { spawnSync } from 'node:child_process';
import { CLI, remote, shellQuote, sshFlags } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-ulimit-v-');

const limited = (args: string[]): { status: number | null; stderr: string } => {
  const r = spawnSync('sh', ['-c', `ulimit -v 4000000; exec ${shellQuote([process.execPath, CLI, ...args])}`], {
    input: 'data', encoding: 'utf8', timeout: 30000, env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME },
  });
  return { status: r.status, stderr: r.stderr };
};

it('put says why ssh2 cannot start and what to do (exit 255)', async () => {
  const dir = await userDir(sshd.user, 'ulimit-v');
  const r = limited(['put', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/limited`)]);
  expect(r.stderr).toBe(
    `scpipe: ${sshd.user.name}@127.0.0.1: ssh2 cannot start its ciphers: WebAssembly could not reserve its memory ` +
      '(an address-space limit, `ulimit -v`, below about 10 GiB?); raise the limit, or use --transport openssh\n',
  );
  expect(r.status).toBe(255);
});

it('serve says so before it listens (exit 255), instead of dropping every connection unlogged', () => {
  const r = limited(['serve', '--root', local(), '--addr', '127.0.0.1:0', '--no-auth']);
  expect(r.stderr).toContain('scpipe: serve: ssh2 cannot start its ciphers: WebAssembly could not reserve its memory');
  expect(r.status).toBe(255);
});
