// A backup script's scp line, moved to scpipe: what worked as
//   scp -C -l 20000 -J bastion -o LogLevel=ERROR file vault:
// works as
//   producer | scpipe put -C -l 20000 -J bastion -o LogLevel=ERROR vault:file
// with `vault` and `bastion` (a second test sshd, the jump host) as Host
// aliases of ~/.ssh/config, and a wrapper reads what happened from --json.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonSummary } from '../../cli/json-summary-recorder';
import { CLI, shellQuote } from '../helpers/cli';
import { expectSchema } from '../helpers/json-schema';
import { runProgram, type ProgramRun } from '../helpers/run-program';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const vault = sshdPerSuite();
const bastion = sshdPerSuite({ jumpHost: true });
let home: string;
let dir: string;
const name = `backup-line-${randomBytes(4).toString('hex')}.txt`;

// A HOME whose ~/.ssh/config has the two aliases; `bastionKnownHosts` says which keys the bastion may have.
async function makeHome(at: string, bastionKnownHosts: string): Promise<string> {
  await mkdir(join(at, '.ssh'), { recursive: true });
  await writeFile(join(at, '.ssh', 'config'), [
    'Host vault', '  HostName 127.0.0.1', `  Port ${vault.port}`, `  User ${vault.rssh.name}`, `  IdentityFile ${vault.rssh.keyPath}`,
    `  UserKnownHostsFile ${vault.knownHostsPath}`,
    'Host bastion', '  HostName 127.0.0.1', `  Port ${bastion.port}`, `  User ${bastion.user.name}`, `  IdentityFile ${bastion.user.keyPath}`,
    `  UserKnownHostsFile ${bastionKnownHosts}`,
    'Host *', '  GlobalKnownHostsFile /dev/null', '  StrictHostKeyChecking yes', '  BatchMode yes', '  IdentityAgent none', '',
  ].join('\n'));
  return at;
}

beforeAll(async () => {
  dir = await userDir(vault.rssh, 'backup-line');
  home = await makeHome(join(dir, 'home'), bastion.knownHostsPath);
});
afterAll(async () => {
  await rm(join(vault.rssh.home, name), { force: true });
});

// Runs `sh -c line` with the HOME above, no agent; resolves status, stdout, stderr.
function sh(line: string, withHome = home): Promise<ProgramRun> {
  const { SSH_AUTH_SOCK: _agent, ...env } = process.env;
  return runProgram('/bin/sh', ['-c', line], '', { env: { ...env, HOME: withHome }, timeoutMs: 60_000 });
}

const producer = 'seq 1 600000'; // 4 MB of compressible text
const expected = () => spawnSync('/bin/sh', ['-c', producer], { maxBuffer: 1 << 26 }).stdout as Buffer;
const scpipe = shellQuote([process.execPath, CLI]);
const flags = '-C -l 20000 -J bastion -o LogLevel=ERROR';

describe('the backup line of an scp user', () => {
  // -O: the test vault is scp-only, and today's scp speaks SFTP unless told.
  it('works with scp (the reference: OpenSSH reads the same config through -F)', async () => {
    const file = join(dir, name);
    await writeFile(file, expected());
    const r = await sh(`scp -O -F ${shellQuote([join(home, '.ssh', 'config')])} ${flags} ${shellQuote([file])} vault:`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect((await readFile(join(vault.rssh.home, name))).equals(expected())).toBe(true);
    await rm(join(vault.rssh.home, name));
  });

  it('works with producer | scpipe put, and --json tells a wrapper what happened', async () => {
    const r = await sh(`${producer} | ${scpipe} put --json ${flags} vault:${name}`);
    expect(r.stderr).toBe(''); // LogLevel=ERROR: nothing to say on success
    expect(r.status).toBe(0);
    const sent = expected();
    expect((await readFile(join(vault.rssh.home, name))).equals(sent)).toBe(true);

    // The wrapper: one JSON line on stdout.
    const summary = JSON.parse(r.stdout) as JsonSummary;
    expectSchema(summary);
    expect(summary).toMatchObject({ command: 'put', ok: true, exit_status: 0, destinations: [`vault:${name}`], bytes: sent.length, error: null });
  });

  it('a failure reaches the wrapper the same way: a bastion with an unknown key is refused, exit 255, ok false', async () => {
    // The vault's known_hosts for the bastion too: the bastion's key is not in it, so the jump is where it stops.
    const strange = await makeHome(join(dir, 'home2'), vault.knownHostsPath);
    const r = await sh(`${producer} | ${scpipe} put --json ${flags} vault:${name}.never`, strange);
    expect(r.status).toBe(255);
    const summary = JSON.parse(r.stdout) as JsonSummary;
    expectSchema(summary);
    expect(summary).toMatchObject({ ok: false, exit_status: 255, bytes: 0, error: { code: expect.stringMatching(/^ERR_HOST_KEY/) } });
    expect(summary.error!.message).toContain(`[127.0.0.1]:${bastion.port}`);
    expect(r.stderr).toContain(summary.error!.message);
  });
});
