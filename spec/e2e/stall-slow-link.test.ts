// --stall-timeout over a remote that takes the data slowly but without a stop
// (a slow link, a slow disk): the window opens again and again, each opening a
// move, though ssh2's 2 MiB of writes drain only once every few seconds.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { userDir } from '../helpers/sshd';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

// OpenSSH's scp -t, its input read 16 KiB every 25 ms (about 640 KiB/s): 2 MiB take 3 s.
const SLOW_SCP = String.raw`#!/usr/bin/python3
import os, subprocess, sys, time
p = subprocess.Popen(['scp'] + sys.argv[1:], stdin=subprocess.PIPE)
while True:
    b = os.read(0, 16384)
    if not b: break
    p.stdin.write(b); p.stdin.flush()
    time.sleep(0.025)
p.stdin.close()
sys.exit(p.wait())
`;

const dir = mkdtempSync(join(tmpdir(), 'scpipe-test-slow-'));
chmodSync(dir, 0o755);
const slowScp = join(dir, 'slow-scp.py');
writeFileSync(slowScp, SLOW_SCP, { mode: 0o755 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sshd = sshdPerSuite();

it('put -O --stall-timeout 1.5 to an scp -t that reads 640 KiB/s without a stop: exit 0, the file whole', async () => {
  const target = await userDir(sshd.user, 'slow-link');
  const data = randomBytes(6 << 20);
  const r = await runCli(['put', '-O', '--stall-timeout', '1.5', '--retries', '0', '--scp-path', slowScp, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${target}/f`)], { stdin: data });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect((await readFile(join(target, 'f'))).equals(data)).toBe(true);
});
