// Keys from a real ssh-agent (SSH_AUTH_SOCK), next to identity files, as ssh
// uses them: an agent that holds no key, or none of the right ones, must not
// end the login before the identity files are tried.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli } from '../helpers/cli';

const sshd = sshdPerSuite();
let work: string;
let sock: string;
let agent: ChildProcess;
let dir: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'scpipe-test-agent-'));
  sock = join(work, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
  dir = await userDir(sshd.rssh, 'agent');
});
afterAll(async () => {
  agent.kill();
  await rm(work, { recursive: true, force: true });
});

function ssh_add(...args: string[]): void {
  const r = spawnSync('ssh-add', ['-q', ...args], { env: { ...process.env, SSH_AUTH_SOCK: sock }, encoding: 'utf8' });
  if (r.status !== 0 && !(args[0] === '-D')) throw new Error(`ssh-add ${args.join(' ')}: ${r.stderr}`);
}

const flags = (...extra: string[]): string[] => [
  '-P', String(sshd.port), '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, '-o', 'BatchMode=yes', ...extra,
];

it('an agent with no keys: the -i key is still offered, as ssh does', async () => {
  ssh_add('-D');
  const r = await runCli(['put', ...flags('-i', sshd.rssh.keyPath), remote(sshd, sshd.rssh, `${dir}/empty-agent`)], { stdin: 'a', env: { SSH_AUTH_SOCK: sock } });
  expect(r).toMatchObject({ status: 0, stderr: '' });
  expect(await readFile(join(dir, 'empty-agent'), 'utf8')).toBe('a');
});

describe('IdentitiesOnly=yes uses the agent for the identity files\' keys only, as ssh', () => {
  beforeAll(() => {
    ssh_add('-D');
    ssh_add(sshd.wrongKeyPath); // first in the agent: it must not be offered
    ssh_add(sshd.rssh.keyPath);
  });

  it('an encrypted key file whose key the agent holds: no passphrase needed (none could be asked here)', async () => {
    const enc = join(work, 'enc');
    spawnSync('cp', [sshd.rssh.keyPath, enc]);
    expect(spawnSync('ssh-keygen', ['-q', '-p', '-N', 'secret', '-f', enc]).status).toBe(0);
    const r = await runCli(['put', ...flags('-o', 'IdentitiesOnly=yes', '-i', enc), remote(sshd, sshd.rssh, `${dir}/enc`)], { stdin: 'b', env: { SSH_AUTH_SOCK: sock } });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'enc'), 'utf8')).toBe('b');
  });

  it('IdentityFile naming a public key (KEY.pub) whose private half is only in the agent', async () => {
    const pub = join(work, 'only.pub');
    await writeFile(pub, `${sshd.rssh.publicKey}\n`);
    const r = await runCli(['put', ...flags('-o', 'IdentitiesOnly=yes', '-i', pub, '-v'), remote(sshd, sshd.rssh, `${dir}/pub`)], { stdin: 'c', env: { SSH_AUTH_SOCK: sock } });
    expect(r.status).toBe(0);
    expect(await readFile(join(dir, 'pub'), 'utf8')).toBe('c');
    expect(sshd.logText()).not.toContain(fingerprintOf(sshd.wrongKeyPath));
  });

  it('no IdentityFile: the default ~/.ssh/id_ed25519 picks its key from the agent', async () => {
    const home = join(work, 'home');
    await mkdir(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    await writeFile(join(home, '.ssh', 'id_ed25519.pub'), `${sshd.rssh.publicKey}\n`);
    const r = await runCli(['put', ...flags('-o', 'IdentitiesOnly=yes'), remote(sshd, sshd.rssh, `${dir}/default`)], { stdin: 'e', env: { SSH_AUTH_SOCK: sock, HOME: home } });
    expect(r).toMatchObject({ status: 0, stderr: '' });
  });

  it('an identity file the agent does not hold: the agent offers nothing, the file is tried', async () => {
    const r = await runCli(['put', ...flags('-o', 'IdentitiesOnly=yes', '-i', sshd.user.keyPath), remote(sshd, sshd.rssh, `${dir}/none`)], { stdin: 'd', env: { SSH_AUTH_SOCK: sock } });
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(tried agent,publickey; the server accepts publickey\)/);
  });
});

function fingerprintOf(key: string): string {
  return spawnSync('ssh-keygen', ['-l', '-f', key], { encoding: 'utf8' }).stdout.split(' ')[1];
}

// sshd's MaxAuthTries (6) ends the login once the agent's keys used up the
// tries, before the -i key: ssh only relays "Too many authentication failures".
describe('an agent holding more keys than the server allows tries', () => {
  beforeAll(() => {
    ssh_add('-D');
    for (let i = 0; i < 7; i++) {
      const key = join(work, `many-${i}`);
      spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      ssh_add(key);
    }
  });

  // ssh merges a key file with the agent's copy of its key: offered once, not twice.
  it('an identity file whose key the agent offered is not offered again, as ssh: the right key still gets a try', async () => {
    const key = (i: number): string => join(work, `many-${i}`);
    const files = [0, 1, 2].flatMap((i) => ['-i', key(i)]);
    ssh_add('-D');
    for (let i = 0; i < 5; i++) ssh_add(key(i)); // five refusals, then the sixth try of MaxAuthTries 6
    const ssh = spawnSync('ssh', ['-F', 'none', ...flags(...files, '-i', sshd.user.keyPath).map((f) => (f === '-P' ? '-p' : f)), `${sshd.user.name}@127.0.0.1`, 'true'], { env: { ...process.env, SSH_AUTH_SOCK: sock }, encoding: 'utf8' });
    expect({ status: ssh.status, stderr: ssh.stderr }).toEqual({ status: 0, stderr: '' });
    const r = await runCli(['put', ...flags(...files, '-i', sshd.rssh.keyPath), remote(sshd, sshd.rssh, `${dir}/merged`)], { stdin: 'k', env: { SSH_AUTH_SOCK: sock } });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(dir, 'merged'), 'utf8')).toBe('k');
    for (let i = 5; i < 7; i++) ssh_add(key(i));
  });

  it('the refusal says what to do (exit 255), and IdentitiesOnly=yes then logs in', async () => {
    const r = await runCli(['put', ...flags('-i', sshd.rssh.keyPath), remote(sshd, sshd.rssh, `${dir}/many`)], { stdin: 'm', env: { SSH_AUTH_SOCK: sock } });
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/Too many authentication failures \(each key offered counts against the server's MaxAuthTries, ssh-agent's first: -o IdentitiesOnly=yes offers only the -i\/IdentityFile keys\)\n$/);
    const only = await runCli(['put', ...flags('-i', sshd.rssh.keyPath, '-o', 'IdentitiesOnly=yes'), remote(sshd, sshd.rssh, `${dir}/many`)], { stdin: 'm', env: { SSH_AUTH_SOCK: sock } });
    expect(only).toMatchObject({ status: 0, stderr: '' });
  });
});
