// put --verify --progress stopped during the read-back (systemctl stop): the
// log's last progress line must not say the upload was cut short ("sent 42
// MiB of 300 MiB, then failed") when the file was stored whole and only its
// verification was stopped.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { processesWith } from '../helpers/processes';

const sshd = sshdPerSuite();

it('SIGTERM while --verify reads back over SCP: exit 143, the last line says stored, then the read-back failed', async () => {
  const dir = await userDir(sshd.rssh, 'verify-stopped');
  const size = 1024 * 1024;
  // -l slows the read-back too, so the signal finds it in flight.
  const run = startCli(['put', ...sshFlags(sshd, sshd.rssh), '-O', '-l', '2000', '--verify', '--progress', remote(sshd, sshd.rssh, `${dir}/v.bin`)], { stdin: randomBytes(size), timeoutMs: 90_000 });
  await waitFor(() => processesWith(`${dir}/v.bin`, 'scp').some((pid) => processArgs(pid).includes('-f')), 'the read-back running', 60_000);
  run.child.kill('SIGTERM');
  const r = await run.done;
  expect(r.status).toBe(143);
  expect((await stat(join(dir, 'v.bin'))).size).toBe(size);
  const lines = r.stderr.split('\n');
  expect(lines.filter((l) => /then failed/.test(l))).toEqual([expect.stringMatching(/^scpipe: v\.bin: stored; read back \S+ \S+ of 1 MiB to verify, then failed$/)]);
  expect(r.stderr).not.toMatch(/sent \S+ \S+ of 1 MiB, then failed/);
  expect(r.stderr).toContain('was stored, but reading it back to verify it failed');
}, 120_000);

function processArgs(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}
