// The SFTP of --transport openssh quotes a line of ssh's stderr when the
// subsystem ends before it speaks. sshd discards a subsystem's own stderr
// (its words here never arrive), so every line there is ssh's, whose error
// comes last; but under -v the last was ssh's "debug1: Exit status 1" or
// "Authenticated to …", quoted as the server's refusal.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const wrapperDir = mkdtempSync(join(tmpdir(), 'scpipe-test-refusing-sftp-'));
writeFileSync(join(wrapperDir, 'sftp-server'), `#!/bin/sh\necho 'sftp is not offered here' >&2\nexit 1\n`);
chmodSync(wrapperDir, 0o755);
chmodSync(join(wrapperDir, 'sftp-server'), 0o755);
const sshd = sshdPerSuite({ sftpSubsystem: join(wrapperDir, 'sftp-server') });
afterAll(() => rm(wrapperDir, { recursive: true, force: true }));

it.each([[[]], [['-v']]])('a subsystem that exits before it speaks, --transport openssh %j: its exit status, not a line of ssh -v; exit 1', async (verbose) => {
  const dir = await userDir(sshd.user, 'refusing-sftp');
  const r = await runCli(['get', '-s', ...verbose, '--transport', 'openssh', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)]);
  expect(r.status).toBe(1);
  expect(r.stderr.split('\n').filter((l) => !l.startsWith('debug') && l !== '').pop()).toBe(
    'scpipe: the server refused the sftp subsystem: it ended before it spoke (exit status 1); this host may allow only scp: try --protocol scp (or auto)',
  );
});
