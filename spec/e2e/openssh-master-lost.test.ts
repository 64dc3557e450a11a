// --transport openssh through the user's ControlMaster, the master killed
// mid-put: its client ssh exits 255 without a word at any LogLevel (the
// reason is the master's), so the message must not promise that
// -o LogLevel=INFO makes it say; it names the master as where to look.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
const local = mkdtempSync(join(tmpdir(), 'scpipe-test-master-lost-'));
let control: string[] = []; // a master of its own for each test
const ssh = (args: string[]): ReturnType<typeof spawnSync> => spawnSync('ssh', [...sshd.sshArgs(sshd.user), ...control, ...args, '127.0.0.1'], { encoding: 'utf8', timeout: 30_000 });
afterEach(() => void ssh(['-O', 'exit'])); // a master still up, ended by its socket
afterAll(() => rm(local, { recursive: true, force: true }));

it.each([['ERROR', []], ['INFO', ['-o', 'LogLevel=INFO']]])('put -O at LogLevel %s: exit 1, the loss said to be the master\'s; the cut file left remotely', async (name, level) => {
  control = ['-o', `ControlPath=${join(local, `cm-${name}`)}`];
  expect(ssh(['-o', 'ControlMaster=yes', '-o', 'ControlPersist=yes', '-N', '-f']).status).toBe(0);
  const master = Number(/pid=(\d+)/.exec(String(ssh(['-O', 'check']).stderr))?.[1]);
  expect(master).toBeGreaterThan(0);
  const dir = await userDir(sshd.user, 'master-lost');
  const input = new PassThrough();
  const run = startCli(['put', '--transport', 'openssh', ...sshFlags(sshd, sshd.user, [...control, ...level]), '-O', '--retries', '0', '--size', String(64 * 1024 * 1024), remote(sshd, sshd.user, `${dir}/f`)], { stdin: input, timeoutMs: 60_000 });
  try {
    input.write(randomBytes(1024 * 1024));
    await waitFor(async () => (await readdir(dir)).length > 0 && (await stat(join(dir, 'f'))).size > 0, 'bytes in the remote file', 30_000);
    process.kill(master, 'SIGKILL');
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^scpipe: [^\n]*ssh ended \(exit status 255\) without saying why: [^\n]*a client of a ControlMaster \(ControlPath\), which is never told: the master's own log has the reason[^\n]*\n$/);
    expect(await readdir(dir)).toEqual(['f']);
  } finally {
    input.destroy();
  }
}, 90_000);
