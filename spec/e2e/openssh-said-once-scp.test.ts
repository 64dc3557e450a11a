// `--transport openssh` over SCP: each command (each part of a parts set)
// is an ssh of its own, and under StrictHostKeyChecking=no each says the
// changed host key's warning on the stderr it shares with the remote command.
// The user sees it once per run, as over SFTP; the remote's own words and a
// failure's message are kept whole.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { rsshSidesPerTest } from '../helpers/rssh-sides';

const sshd = sshdPerSuite();
const sides = rsshSidesPerTest(sshd, 'openssh-said-once-scp');

const count = (text: string, what: string): number => text.split(what).length - 1;

async function changedFlags(): Promise<string[]> {
  const changed = join(sides.local, 'known_hosts');
  const wrongKey = readFileSync(`${sshd.wrongKeyPath}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  await writeFile(changed, `[127.0.0.1]:${sshd.port} ${wrongKey}\n`);
  // ssh keeps an option's first value: these come before sshFlags' own.
  return ['--transport', 'openssh', '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${changed}`];
}

describe("--transport openssh over SCP: a changed host key's warning", () => {
  it('is said once per run for a parts set of 5 parts, 4 at a time, its two borders kept', async () => {
    const udir = await userDir(sshd.user, 'openssh-said-once-scp');
    const r = await runCli(['put', ...(await changedFlags()), ...sshFlags(sshd, sshd.user), '-O', '--part-size', '1K', '--parallel', '4', remote(sshd, sshd.user, `${udir}/set`)], {
      stdin: randomBytes(5000),
    });
    expect(r.status).toBe(0);
    expect(count(r.stderr, 'REMOTE HOST IDENTIFICATION HAS CHANGED')).toBe(1);
    expect(r.stderr.match(/^@{20,}$/gm)).toHaveLength(2);
    expect((await readdir(udir)).sort()).toEqual(['set.000000', 'set.000001', 'set.000002', 'set.000003', 'set.000004', 'set.sha256']);
  });

  // ssh's warning is not the remote's: the refusal's message quotes the remote's first line, not the warning's border.
  it("a remote's refusal after it is quoted by its own first line: exit 1 with rssh's words", async () => {
    const r = await runCli(['put', ...(await changedFlags()), ...sshFlags(sshd, sshd.rssh), '--scp-path', '/bin/sh', sides.at(`${sides.rdir}/f`)], { stdin: 'x' });
    expect(r.status).toBe(1);
    expect(count(r.stderr, 'REMOTE HOST IDENTIFICATION HAS CHANGED')).toBe(1);
    expect(r.stderr).toContain('Allowed commands: scp');
    expect(r.stderr).toMatch(/\nscpipe: remote command exited with status 1 before the transfer started: This account is restricted by rssh\.\n$/);
  });
});
