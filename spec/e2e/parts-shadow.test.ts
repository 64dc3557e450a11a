// A parts set NAME stored where a plain file NAME is there already (a
// nightly job that turned to --part-size under the same name): `get NAME`
// returns the plain file, so put says so, and `get --parts NAME` returns the
// set. A set whose manifest was never written is said as one, and so are
// parts an earlier, longer set of the name left. Against real
// sshd, over SCP (the scp-only account) and SFTP (the internal-sftp jail).
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chown, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { pastedFlags, remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.each([
  ['SCP, the scp-only account', () => sshd.rssh],
  ['SFTP, the sftp-only jail', () => sshd.sftp],
] as const)('a parts set beside a plain file of its name, over %s', (_, account: () => TestAccount) => {
  let dir: string;
  let rdir: string;
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp']);
    dir = await userDir(account(), 'shadow');
    rdir = remotePath(account(), dir);
  });
  // The options cli() gives: a command a message gives carries them.
  const reach = (): string => pastedFlags(sshFlags(sshd, account()));
  const cli = (args: string[], stdin?: Buffer): ReturnType<typeof runCli> => runCli([args[0]!, ...sshFlags(sshd, account()), ...args.slice(1)], { stdin });
  const at = (name: string): string => remote(sshd, account(), `${rdir}/${name}`);

  // User sees, from put: exit 0 and one warning naming `get --parts`. From
  // get: the plain file; from get --parts: the set, byte-exact. Left: the
  // plain file and the set side by side.
  it('put warns, get returns the plain file, get --parts the set', async () => {
    const old = Buffer.from('the old plain file\n');
    await writeFile(join(dir, 'db'), old);
    await chown(join(dir, 'db'), account().uid, account().gid);
    const data = randomBytes(2 * 1024 * 1024 + 9);
    const put = await cli(['put', '--part-size', '1M', at('db')], data);
    expect(put.status).toBe(0);
    expect(put.stderr).toBe(`scpipe: warning: ${rdir}/db is also a plain file, and \`scpipe get ${reach()} ${at('db')}\` returns that file, not this set: \`scpipe get --parts ${reach()} ${at('db')}\` returns the set (or remove the plain file)\n`);
    expect((await readdir(dir)).sort()).toEqual(['db', 'db.000000', 'db.000001', 'db.000002', 'db.sha256']);
    const plain = await cli(['get', at('db')]);
    expect(plain).toMatchObject({ status: 0, stderr: '' });
    expect(plain.stdout.equals(old)).toBe(true);
    const set = await cli(['get', '--parts', at('db')]);
    expect(set).toMatchObject({ status: 0, stderr: '' });
    expect(sha(set.stdout)).toBe(sha(data));
  });

  // A nightly set under one name, shorter than the night before's: that
  // set's last parts stay (nothing is removed: an scp-only account cannot).
  // User sees: exit 0 and one warning naming the first such part; once it
  // is stored over empty (the scp-only remedy), no warning.
  it('put warns of parts an earlier, longer set left past its last', async () => {
    const first = randomBytes(4 * 1024 * 1024);
    expect(await cli(['put', '--part-size', '1M', at('night')], first)).toMatchObject({ status: 0, stderr: '' });
    const second = randomBytes(2 * 1024 * 1024);
    const put = await cli(['put', '--part-size', '1M', at('night')], second);
    expect(put.status).toBe(0);
    expect(put.stderr).toBe(
      `scpipe: warning: ${rdir}/night.000002 (and maybe more after it) is left from an earlier, longer set of this name: ` +
        '`scpipe get` and the manifest leave it out, but `cat night.[0-9]*` would add it, and it takes space (remove it and those after it, ' +
        `or on an scp-only host store an empty file over each: \`scpipe put -O --size 0 ${reach()} ${at('night.000002')} < /dev/null\`)\n`,
    );
    expect((await readdir(dir)).sort()).toEqual(['night.000000', 'night.000001', 'night.000002', 'night.000003', 'night.sha256']);
    // The command the warning gives, where it applies (SCP); the jail takes a plain empty upload.
    const empty = account() === sshd.rssh ? ['-O', '--size', '0'] : [];
    for (const stale of ['night.000002', 'night.000003']) expect((await cli(['put', ...empty, at(stale)], Buffer.alloc(0))).status).toBe(0);
    expect((await stat(join(dir, 'night.000003'))).size).toBe(0);
    expect(await cli(['put', '--part-size', '1M', at('night')], second)).toMatchObject({ status: 0, stderr: '' });
  });

  // A set's name with a space and a `$`: the command the warning gives is one
  // shell word for the part, and `cat` one for the name, so pasted they name it.
  it('the warning of parts left past the last quotes the names in its commands for a shell', async () => {
    const name = 'late $night';
    expect(await cli(['put', '--part-size', '1M', at(name)], randomBytes(3 * 1024 * 1024))).toMatchObject({ status: 0, stderr: '' });
    const put = await cli(['put', '--part-size', '1M', at(name)], randomBytes(1024 * 1024 + 1));
    expect(put.status).toBe(0);
    const target = at(`${name}.000002`);
    expect(put.stderr).toBe(
      `scpipe: warning: ${rdir}/${name}.000002 (and maybe more after it) is left from an earlier, longer set of this name: ` +
        "`scpipe get` and the manifest leave it out, but `cat 'late $night'.[0-9]*` would add it, and it takes space (remove it and those after it, " +
        `or on an scp-only host store an empty file over each: \`scpipe put -O --size 0 ${reach()} '${target}' < /dev/null\`)\n`,
    );
    // What a shell makes of the command's target: the part's whole name.
    const word = / ('[^']*') < \/dev\/null/.exec(put.stderr)![1]!; // the target, after the options
    expect(execFileSync('sh', ['-c', `printf %s ${word}`], { encoding: 'utf8', env: { night: 'X' } })).toBe(target);
  });

  // A set whose producer failed after its first part: no manifest. User
  // sees, from get: what is there and why, not a bare "No such file"; exit 1.
  it('get of a set whose upload did not finish says so', async () => {
    // The producer fails once the first part is stored whole, however long the login takes.
    const go = join(dir, 'go');
    const producer = `head -c 1500000 /dev/zero; i=0; while [ ! -e ${go} ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; exit 3`;
    const put = startCli(['put', ...sshFlags(sshd, account()), '--part-size', '1M', '--parallel', '1', at('inc'), '--', 'sh', '-c', producer], { timeoutMs: 60_000 });
    await waitFor(async () => (await stat(join(dir, 'inc.000000')).catch(() => undefined))?.size === 1 << 20, 'the first part stored', 30_000);
    await writeFile(go, '');
    expect((await put.done).status).toBe(1);
    expect(await readdir(dir)).toContain('inc.000000');
    const r = await cli(['get', at('inc')]);
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: ${rdir}/inc: no such file, but ${rdir}/inc.000000 is there: a parts set without its manifest ${rdir}/inc.sha256: its upload did not finish, or is still running\n` });
  });

  // A get while the first upload of the set still runs (a restore test
  // started before the nightly job ended). User sees: exit 1, the same
  // words, which no longer say the upload "did not finish"; once it ends,
  // get returns the set.
  it('get while the set is being stored: said as maybe still running', async () => {
    const go = join(dir, 'go');
    const producer = `head -c 1500000 /dev/zero; i=0; while [ ! -e ${go} ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done`;
    const put = startCli(['put', ...sshFlags(sshd, account()), '--part-size', '1M', '--parallel', '1', at('run'), '--', 'sh', '-c', producer], { timeoutMs: 60_000 });
    await waitFor(async () => (await readdir(dir)).includes('run.000000'), 'the first part', 30_000);
    const early = await cli(['get', at('run')]);
    expect(early).toMatchObject({ status: 1, stderr: `scpipe: ${rdir}/run: no such file, but ${rdir}/run.000000 is there: a parts set without its manifest ${rdir}/run.sha256: its upload did not finish, or is still running\n` });
    await writeFile(go, '');
    expect(await put.done).toMatchObject({ status: 0, stderr: '' });
    const late = await cli(['get', at('run')]);
    expect(late).toMatchObject({ status: 0, stderr: '' });
    expect(late.stdout.length).toBe(1500000);
  });

  // User sees: no warning when no plain file is there; get --parts of a name
  // with no set: "PATH: no parts set (no PATH.sha256)", exit 1.
  it('no warning without a plain file; get --parts of a plain file is no set', async () => {
    const data = randomBytes(1024 * 1024 + 1);
    await writeFile(join(dir, 'plain'), 'x');
    await chown(join(dir, 'plain'), account().uid, account().gid);
    expect(await cli(['put', '--part-size', '1M', at('set')], data)).toMatchObject({ status: 0, stderr: '' });
    const noSet = await cli(['get', '--parts', at('plain')]);
    expect(noSet).toMatchObject({ status: 1, stderr: `scpipe: ${rdir}/plain: no parts set (no ${rdir}/plain.sha256)\n` });
  });
});
