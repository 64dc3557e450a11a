// A host key marked @revoked in known_hosts (any file, any matching host
// pattern, `*` too) is refused, whatever else known_hosts says. ssh refuses
// it too, except under StrictHostKeyChecking=no, where it warns and goes on
// without passwords; scpipe refuses it there as well: a revoked key is known
// to be stolen, and no setting should make it trusted.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { runCli } from '../helpers/cli';

const sshd = sshdPerSuite();

async function hostKey(): Promise<string> {
  const line = (await readFile(sshd.knownHostsPath, 'utf8')).split('\n').find((l) => l.startsWith(`[127.0.0.1]:${sshd.port} `))!;
  return line.split(' ').slice(1, 3).join(' ');
}

function options(user: string, global: string, strict: string): string[] {
  return ['-F', 'none', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${user}`, '-o', `GlobalKnownHostsFile=${global}`, '-o', `StrictHostKeyChecking=${strict}`, '-i', sshd.rssh.keyPath];
}

it.each(['yes', 'accept-new', 'no'])('a key revoked in the global file, though the user file holds it, is refused under StrictHostKeyChecking=%s', async (strict) => {
  const dir = await userDir(sshd.rssh, `revoked-${strict}`);
  const user = join(dir, 'known_hosts');
  const global = join(dir, 'ssh_known_hosts');
  const key = await hostKey();
  await writeFile(user, `[127.0.0.1]:${sshd.port} ${key}\n`);
  await writeFile(global, `@revoked * ${key}\n`);
  const r = await runCli(['put', ...options(user, global, strict), '-P', String(sshd.port), `${sshd.rssh.name}@127.0.0.1:${dir}/a`], { stdin: 'a' });
  expect(r.status).toBe(255);
  expect(r.stderr).toContain(`for [127.0.0.1]:${sshd.port} is marked as revoked in known_hosts; refusing to connect`);
  expect(existsSync(join(dir, 'a'))).toBe(false);
  expect(await readFile(user, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${key}\n`);
  const ssh = spawnSync('ssh', [...options(user, global, strict), '-p', String(sshd.port), `${sshd.rssh.name}@127.0.0.1`, 'true'], { encoding: 'utf8' });
  expect(ssh.stderr).toContain(`host key for [127.0.0.1]:${sshd.port} is marked as revoked`);
  // ssh: refused (255), but under no it connects (the scp-only account then refuses `true`: 1).
  expect(ssh.status).toBe(strict === 'no' ? 1 : 255);
});
