// Parts sets over SFTP end to end: put --part-size sends the parts over
// SFTP where asked or where the host allows only it (each into a temporary
// name renamed when whole), and get finds and checks a set on an sftp-only
// host as over SCP. Over SCP: parts-cli.test.ts.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { pastedFlags, remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-test-spool-', { mustEndEmpty: true });
let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'parts-sftp');
});

const flags = (): string[] => sshFlags(sshd, sshd.rssh);
const at = (p: string): string => remote(sshd, sshd.rssh, p);
const catParts = (name: string): Buffer => execFileSync('sh', ['-c', `cat ${name}.[0-9]*`], { cwd: dir, maxBuffer: 1 << 30 });
const checkManifest = (name: string): string => execFileSync('sha256sum', ['-c', '--strict', `${name}.sha256`], { cwd: dir, encoding: 'utf8' });

describe('scpipe put --part-size over SFTP', () => {
  // --protocol sftp: the parts go over SFTP, each into a temporary name
  // renamed when whole. Left: the parts and the manifest, nothing else.
  it.each([['--protocol', 'sftp'], ['-s']])('with %s: the parts go over SFTP, and sha256sum -c passes', async (...protocol) => {
    await sshd.setRsshAllowed(['scp', 'sftp']);
    const data = randomBytes(3 * 1024 * 1024 + 5);
    const r = await runCli(['put', ...flags(), '--part-size', '1M', '-v', ...protocol, at(`${dir}/x`)], { stdin: data });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/over \d SFTP channel\(s\); sha256 /);
    expect(readdirSync(dir).sort()).toEqual(['x.000000', 'x.000001', 'x.000002', 'x.000003', 'x.sha256']);
    expect(catParts('x').equals(data)).toBe(true);
    expect(checkManifest('x').trim().split('\n')).toHaveLength(4);
  });

  // An internal-sftp host refuses scp -t: under auto the run turns to SFTP
  // (-v says why) and the set lands whole; get restores it over SFTP.
  it('on an sftp-only host: the parts go over SFTP, and get restores the set', async () => {
    const jailed = await userDir(sshd.sftp, 'partscli');
    const data = randomBytes(5 * 1024 * 1024 + 1);
    const target = remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, jailed)}/x`);
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--part-size', '1M', '--json', '-v', target], { stdin: data });
    expect(r.stderr.split('\n').filter((l) => /error|fail|cannot|refused/i.test(l))).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('scpipe: protocol: sftp for the parts (the server allows only SFTP ("This service allows sftp connections only."): the parts go over SFTP)\n');
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ ok: true, protocol: 'sftp', parts: 6 });
    expect(readdirSync(jailed).sort()).toEqual(['x.000000', 'x.000001', 'x.000002', 'x.000003', 'x.000004', 'x.000005', 'x.sha256']);
    expect(execFileSync('sha256sum', ['-c', '--strict', 'x.sha256'], { cwd: jailed, encoding: 'utf8' }).trim().split('\n')).toHaveLength(6);
    const got = await runCli(['get', ...sshFlags(sshd, sshd.sftp), target]);
    expect(got).toMatchObject({ status: 0, stderr: '' });
    expect(got.stdout.equals(data)).toBe(true);
  });

  // -O forces SCP. User sees: exit 1, the server's words and what to do
  // instead; nothing is left remotely.
  it('on an sftp-only host with -O: says the server allows only SFTP, and what to do', async () => {
    const jailed = await userDir(sshd.sftp, 'partscli');
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '-O', '--part-size', '1M', remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, jailed)}/x`)], { stdin: randomBytes(3 * 1024 * 1024) });
    expect(r).toMatchObject({ status: 1, stderr: 'scpipe: the server allows only SFTP ("This service allows sftp connections only."): use --protocol sftp (or auto)\n' });
    expect(readdirSync(jailed)).toEqual([]);
  });

  it('on an sftp-only host with --no-clobber: an existing manifest is found over SFTP, and nothing is sent', async () => {
    const jailed = await userDir(sshd.sftp, 'partscli');
    execFileSync('sh', ['-c', `echo old > ${jailed}/x.sha256 && chown ${sshd.sftp.uid}:${sshd.sftp.gid} ${jailed}/x.sha256`]);
    const rjail = remotePath(sshd.sftp, jailed);
    const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--no-clobber', '--part-size', '1M', remote(sshd, sshd.sftp, `${rjail}/x`)], { stdin: randomBytes(3 * 1024 * 1024) });
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: ${rjail}/x.sha256: the remote file exists, and --no-clobber leaves it as it is\n` });
    expect(readdirSync(jailed)).toEqual(['x.sha256']);
  });
});

// A set made over SCP, then moved (as an archive admin would) onto a host
// that allows only SFTP: get finds it there too, and checks it the same way.
describe('get of a parts set on an sftp-only host', () => {
  let jailed: string;
  let data: Buffer;
  beforeEach(async () => {
    data = randomBytes(5 * 1024 * 1024 + 3);
    const put = await runCli(['put', ...flags(), '--spool-dir', spoolDir(), '--part-size', '1M', at(`${dir}/s.bin`)], { stdin: data });
    expect(put).toMatchObject({ status: 0, stderr: '' });
    jailed = await userDir(sshd.sftp, 'partsftp');
    for (const name of readdirSync(dir)) {
      execFileSync('mv', [join(dir, name), jailed]);
      execFileSync('chown', [`${sshd.sftp.uid}:${sshd.sftp.gid}`, join(jailed, name)]);
    }
  });
  const get = (extra: string[] = []): ReturnType<typeof runCli> =>
    runCli(['get', ...sshFlags(sshd, sshd.sftp), '--retries', '0', ...extra, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, jailed)}/s.bin`)]);

  it('restores it byte-exact over SFTP, and --json says so', async () => {
    const got = await get(['--json']);
    expect(got.status).toBe(0);
    expect(got.stdout.equals(data)).toBe(true);
    expect(JSON.parse(got.stderr)).toMatchObject({ ok: true, protocol: 'sftp', bytes: data.length });
  });

  // User sees: exit 1, "part s.bin.000003 does not match its SHA-256 in the
  // manifest", and how much went out; stdout holds the three parts before it, nothing after.
  it('an altered part: exit 1 naming it, nothing after it written out', async () => {
    execFileSync('sh', ['-c', `printf X | dd of=${join(jailed, 's.bin.000003')} bs=1 count=1 conv=notrunc 2>/dev/null`]);
    const got = await get();
    expect(got.status).toBe(1);
    const next = remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, jailed)}/s.bin.000004`);
    expect(got.stderr).toBe(
      "scpipe: part s.bin.000003 does not match its SHA-256 in the manifest; the set's first 3145728 bytes, each part checked against the manifest, had already been written out, and nothing after them; " +
        `the parts after it, s.bin.000004..s.bin.000005, were not fetched: each is a file of its own (\`scpipe get --output s.bin.000004 --retries 0 ${pastedFlags(sshFlags(sshd, sshd.sftp))} ${next}\` fetches the first), and \`sha256sum -c s.bin.sha256\` names each bad one in a directory that holds them and the manifest\n`,
    );
    expect(got.stdout.equals(data.subarray(0, 3 * 1024 * 1024))).toBe(true);
  });

  it('a removed part: exit 1 naming it', async () => {
    rmSync(join(jailed, 's.bin.000001'));
    const got = await get();
    expect(got.status).toBe(1);
    expect(got.stderr).toMatch(/^scpipe: part s\.bin\.000001: \S+\/s\.bin\.000001: stat: No such file; the set's first 1048576 bytes, each part checked against the manifest, had already been written out, and nothing after them; the parts after it, s\.bin\.000002\.\.s\.bin\.000005, were not fetched: each is a file of its own \(`scpipe get --output s\.bin\.000002 --retries 0 -P .* \S+\/s\.bin\.000002` fetches the first\)/);
    expect(got.stdout.equals(data.subarray(0, 1024 * 1024))).toBe(true);
  });
});
