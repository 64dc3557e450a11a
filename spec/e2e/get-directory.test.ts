// get of a directory, as one tries it to see what is there: refused, as
// scp refuses it, and the message says what reads a directory and how the
// sets in it are found; over SCP, the command it gives, pasted, copies the
// manifests of the sets there and nothing else; over SFTP, the sftp command
// it gives lists them.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { pastedFlags, remote, runCli, sshFlags } from '../helpers/cli';
import { runProgram } from '../helpers/run-program';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-sets-');
const HINT = 'get reads a file or a parts set, and scpipe cp -r a directory; the sets in a directory are named by their manifests, NAME.sha256';

describe('get of a directory', () => {
  it('over SCP: exit 1, the hint with the command that copies the manifests, which works as given', async () => {
    const dir = await userDir(sshd.rssh, 'getdir');
    const flags = sshFlags(sshd, sshd.rssh);
    for (const night of ['home.2026-12-05', 'home.2026-12-06']) {
      const put = await runCli(['put', ...flags, '--part-size', '1M', remote(sshd, sshd.rssh, `${dir}/${night}`)], { stdin: randomBytes(2 * 1024 * 1024 + 1) });
      expect(put).toMatchObject({ status: 0, stderr: '' });
    }
    const got = await runCli(['get', ...flags, remote(sshd, sshd.rssh, `${dir}/`)]);
    const glob = remote(sshd, sshd.rssh, `${dir}/*.sha256`);
    expect(got).toMatchObject({
      status: 1,
      stdout: Buffer.alloc(0),
      stderr: `scpipe: remote: scp: ${dir}: not a regular file; ${HINT}: \`scpipe cp --quote none ${pastedFlags(flags)} '${glob}' DIR/\` copies them into a directory DIR\n`,
    });
    const pasted = /`scpipe cp (.*) DIR\/`/.exec(got.stderr)![1]!;
    const words = execFileSync('sh', ['-c', `printf '%s\\n' ${pasted}`], { encoding: 'utf8' }).split('\n').slice(0, -1);
    expect(await runCli(['cp', ...words, `${local()}/`])).toMatchObject({ status: 0, stderr: '' });
    expect(readdirSync(local()).sort()).toEqual(['home.2026-12-05.sha256', 'home.2026-12-06.sha256']);
  });

  // No remote shell to expand a glob: OpenSSH's sftp, given the directory, starts in it and lists it.
  it('over SFTP: exit 1, the hint with the sftp command that lists the sets, which works as given', async () => {
    const dir = await userDir(sshd.sftp, 'getdir');
    const jailed = remotePath(sshd.sftp, dir);
    const flags = sshFlags(sshd, sshd.sftp);
    expect(await runCli(['put', ...flags, '--part-size', '1M', remote(sshd, sshd.sftp, `${jailed}/home.2026-12-06`)], { stdin: randomBytes(1024 * 1024 + 1) })).toMatchObject({ status: 0, stderr: '' });
    const got = await runCli(['get', ...flags, remote(sshd, sshd.sftp, jailed)]);
    const at = remote(sshd, sshd.sftp, jailed);
    expect(got).toMatchObject({ status: 1, stderr: `scpipe: ${jailed}: is a directory; ${HINT}: \`sftp ${pastedFlags(flags)} ${at}\` then \`ls -l\` lists them\n` });
    // As the user pastes it: the port, key and known hosts are in it.
    const pasted = /`sftp (.*)` then/.exec(got.stderr)![1]!;
    const words = execFileSync('sh', ['-c', `printf '%s\\n' ${pasted}`], { encoding: 'utf8' }).split('\n').slice(0, -1);
    const listed = await runProgram('sftp', ['-b', '-', ...words], 'ls -l\n');
    expect({ status: listed.status, stdout: listed.stdout }).toEqual({ status: 0, stdout: expect.stringMatching(/ home\.2026-12-06\.sha256\n/) });
  });

  // `get vault:backups/`, as docs/nightly.md has it: over SFTP the slash made it a usage error, exit 2, that said nothing of the sets.
  it('over SFTP with a slash at the end: the same, exit 1', async () => {
    const jailed = remotePath(sshd.sftp, await userDir(sshd.sftp, 'getdir'));
    const got = await runCli(['get', ...sshFlags(sshd, sshd.sftp), remote(sshd, sshd.sftp, `${jailed}/`)]);
    expect(got).toMatchObject({ status: 1, stdout: Buffer.alloc(0), stderr: `scpipe: ${jailed}: is a directory; ${HINT}: \`sftp ${pastedFlags(sshFlags(sshd, sshd.sftp))} ${remote(sshd, sshd.sftp, jailed)}\` then \`ls -l\` lists them\n` });
  });
});
