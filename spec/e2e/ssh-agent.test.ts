// Keys from a real ssh-agent (SSH_AUTH_SOCK), next to identity files, as ssh
// uses them: an agent that holds no key, or none of the right ones, must not
// end the login before the identity files are tried.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
