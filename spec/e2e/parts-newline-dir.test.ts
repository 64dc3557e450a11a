// put --part-size under --protocol auto into a directory whose name holds a
// newline: the parts go over SCP by default, which cannot carry the path, so
// they go over SFTP where the host offers it (the set stored whole, exit 0);
// on an scp-only host (the rssh account) SCP's refusal stands: exit 2, the
// path whole and escaped, nothing stored.
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();

// `name` in `dir`, owned as `dir` is (the account writes there).
function ownedDir(dir: string, name: string): string {
  const made = join(dir, name);
  mkdirSync(made);
  const { uid, gid } = statSync(dir);
  chownSync(made, uid, gid);
  return made;
}

it('put --part-size, auto: a directory with a newline on a host with SFTP gets the set over SFTP; exit 0, byte-exact', async () => {
  const dir = ownedDir(await userDir(sshd.user, 'parts-newline'), 'n\no');
  const data = randomBytes(2 * 1024 * 1024 + 5);
  const r = await runCli(['put', '-v', '--part-size', '1M', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: data });
  expect({ status: r.status, refused: r.stderr.includes('cannot go over SCP') }).toEqual({ status: 0, refused: false });
  expect(r.stderr).toContain('protocol: sftp for the parts (the remote path holds a newline, which SCP cannot carry)');
  expect(readdirSync(dir).sort()).toEqual(['f.000000', 'f.000001', 'f.000002', 'f.sha256']);
  const stored = Buffer.concat(['f.000000', 'f.000001', 'f.000002'].map((n) => readFileSync(join(dir, n))));
  expect(stored.equals(data)).toBe(true);
});

it('put --part-size, auto: a directory with a newline on an scp-only host is refused as over SCP; exit 2, nothing stored', async () => {
  const dir = ownedDir(await userDir(sshd.rssh, 'parts-newline'), 'n\no');
  const path = `${remotePath(sshd.rssh, dir)}/f`;
  const r = await runCli(['put', '--part-size', '1M', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, path)], { stdin: randomBytes(1024) });
  expect({ status: r.status, stderr: r.stderr }).toEqual({
    status: 2,
    stderr: `scpipe: ${path.replace(/\n/g, '\\n')}: a remote path with a newline cannot go over SCP (its records and messages are lines): use SFTP (--protocol sftp)\n`,
  });
  expect(readdirSync(dir)).toEqual([]);
});
