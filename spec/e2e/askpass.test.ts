// SSH_ASKPASS, as ssh uses it for a key's passphrase where no terminal can
// ask (a cron job, a desktop launcher): with a display set, or always under
// SSH_ASKPASS_REQUIRE=force; never under SSH_ASKPASS_REQUIRE=never.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFile, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { CLI, remote } from '../helpers/cli';

const sshd = sshdPerSuite();
let keys: string;
let dir: string;
let key: string;
let log: string;

beforeAll(async () => {
  keys = await mkdtemp(join(tmpdir(), 'scpipe-test-askpass-'));
  dir = await userDir(sshd.rssh, 'askpass');
  key = join(keys, 'enc');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'the passphrase', '-f', key]);
  await appendFile(join(sshd.dir, 'authorized_keys', sshd.rssh.name), await readFile(`${key}.pub`));
  log = join(keys, 'asked');
  // Logs its question and whether scpipe's secret reached it, then answers (or cancels, exit 1).
  const script = (answer: string, status = 0) =>
    `#!/bin/sh\nprintf '%s|%s\\n' "$1" "\${SCPIPE_PASSWORD:-no secret}" >> ${log}\necho '${answer}'\nexit ${status}\n`;
  await writeFile(join(keys, 'askpass'), script('the passphrase'));
  await writeFile(join(keys, 'cancel'), script('', 1));
  await chmod(join(keys, 'askpass'), 0o755);
  await chmod(join(keys, 'cancel'), 0o755);
});
afterAll(async () => {
  await rm(keys, { recursive: true, force: true });
});
beforeEach(async () => {
  await rm(log, { force: true });
});

// `scpipe put` (or `program`) in a session of its own (setsid): no controlling terminal, as under cron.
function putWithoutTty(name: string, env: NodeJS.ProcessEnv, keyArgs = ['-i', key]) {
  const args = ['put', '-F', 'none', '-P', String(sshd.port), ...keyArgs, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, remote(sshd, sshd.rssh, `${dir}/${name}`)];
  return withoutTty([process.execPath, CLI, ...args], name, env);
}
function withoutTty(command: string[], input: string, env: NodeJS.ProcessEnv) {
  const { SSH_AUTH_SOCK: _agent, DISPLAY: _d, WAYLAND_DISPLAY: _w, SSH_ASKPASS: _a, SSH_ASKPASS_REQUIRE: _r, ...base } = process.env;
  return spawnSync('setsid', ['-w', ...command], {
    input, encoding: 'utf8', timeout: 60_000, env: { ...base, HOME: process.env.SCPIPE_TEST_HOME, SCPIPE_PASSWORD: 'secret', ...env },
  });
}
const asked = async (): Promise<string> => (existsSync(log) ? readFile(log, 'utf8') : '');

it('SSH_ASKPASS_REQUIRE=force: the program is asked for the passphrase, and gets none of scpipe\'s secrets', async () => {
  const r = putWithoutTty('forced', { SSH_ASKPASS: join(keys, 'askpass'), SSH_ASKPASS_REQUIRE: 'force' });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(await readFile(join(dir, 'forced'), 'utf8')).toBe('forced');
  expect(await asked()).toBe(`Enter passphrase for key '${key}': |no secret\n`);
});

it('no terminal and a display: SSH_ASKPASS is asked, as ssh asks it', async () => {
  const r = putWithoutTty('display', { SSH_ASKPASS: join(keys, 'askpass'), DISPLAY: ':0' });
  expect(r.status).toBe(0);
  expect(await asked()).toContain('Enter passphrase for key');
});

// Cancel pressed in the dialog: the user's choice, said as such (not a
// "Permission denied" naming the key as if no one could be asked), and the
// login stops there; 255, as ssh exits when it cannot log in.
it('a cancelled question (the program exits 1) says so and exits 255; SSH_ASKPASS_REQUIRE=never leaves the key out', async () => {
  const cancelled = putWithoutTty('cancelled', { SSH_ASKPASS: join(keys, 'cancel'), SSH_ASKPASS_REQUIRE: 'force' });
  expect({ status: cancelled.status, stderr: cancelled.stderr }).toEqual({
    status: 255,
    stderr: `scpipe: ${sshd.rssh.name}@127.0.0.1: not logged in: the question "Enter passphrase for key '${key}':" was cancelled (the SSH_ASKPASS program ${join(keys, 'cancel')} exited 1)\n`,
  });
  expect(await asked()).toBe(`Enter passphrase for key '${key}': |no secret\n`); // asked once, not again
  await rm(log, { force: true });
  const never = putWithoutTty('never', { SSH_ASKPASS: join(keys, 'askpass'), DISPLAY: ':0', SSH_ASKPASS_REQUIRE: 'never' });
  expect(never.status).toBe(255);
  expect(never.stderr).toContain(`${key} (encrypted, and there is no terminal to ask for its passphrase)`);
  expect(await asked()).toBe(''); // not run at all
  expect(existsSync(join(dir, 'cancelled')) || existsSync(join(dir, 'never'))).toBe(false);
});

// ssh asks for a key's passphrase only once the server accepts the key: a
// cron job with DISPLAY set and an encrypted key of another host's first got
// an SSH_ASKPASS window it waited on (or, with none installed, a warning each run).
it('a key the server does not accept is not asked about: the next key logs in, as with ssh', async () => {
  const other = join(keys, 'other-enc');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'another', '-f', other]);
  const env = { SSH_ASKPASS: join(keys, 'askpass'), DISPLAY: ':0' };
  const ssh = withoutTty(['ssh', ...sshd.sshArgs(sshd.rssh).filter((a) => a !== '-i' && a !== sshd.rssh.keyPath).map((a) => (a === 'BatchMode=yes' ? 'BatchMode=no' : a)),
    '-i', other, '-i', sshd.rssh.keyPath, '127.0.0.1', 'true'], '', env);
  // The set-up is right: ssh logs in (1: the rssh wrapper refuses `true`; a refused login is 255) and asks nothing.
  expect({ status: ssh.status, asked: await asked() }).toEqual({ status: 1, asked: '' });
  const r = putWithoutTty('other', env, ['-i', other, '-i', sshd.rssh.keyPath]);
  expect({ status: r.status, stderr: r.stderr, asked: await asked() }).toEqual({ status: 0, stderr: '', asked: '' });
  expect(await readFile(join(dir, 'other'), 'utf8')).toBe('other');
});
