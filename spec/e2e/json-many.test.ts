// --json for put to several targets when every one fails: `protocols` says
// what each target chose (null: it never got that far), and `protocol` no
// longer names whichever target happened to choose last.
import { readdir } from 'node:fs/promises';
import type { JsonSummary } from '../../cli/json-summary-recorder';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { expectSchema } from '../helpers/json-schema';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
let scpDir: string;
let sftpDir: string;
beforeEach(async () => {
  await sshd.setRsshAllowed(['scp']);
  scpDir = await userDir(sshd.rssh, 'json-many');
  sftpDir = await userDir(sshd.sftp, 'json-many');
});
// The rssh and sftp accounts' keys: the ordinary account's login fails.
const flags = (): string[] => [...sshFlags(sshd, sshd.rssh), '-i', sshd.sftp.keyPath];
const missingOverScp = (): string => remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, scpDir)}/missing/f`);
const missingOverSftp = (): string => remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, sftpDir)}/missing/f`);
const noLogin = (path = '/tmp/f'): string => remote(sshd, sshd.user, path);

async function putJson(targets: string[]): Promise<{ status: number | null; s: JsonSummary }> {
  const r = await runCli(['put', '--json', ...flags(), ...targets], { stdin: 'some bytes', timeoutMs: 60_000 });
  const s = JSON.parse(r.stdout.toString()) as JsonSummary;
  expectSchema(s);
  expect(s.exit_status).toBe(r.status);
  return { status: r.status, s };
}

describe('--json, put to several targets that all fail', () => {
  // User sees: protocols ["scp","sftp"], protocol "scp" (not sftp only), exit 1. Left: nothing.
  it('each target\'s protocol in protocols; protocol sftp only if every one chose it', async () => {
    const targets = [missingOverScp(), missingOverSftp()];
    const { status, s } = await putJson(targets);
    expect(status).toBe(1);
    expect(s).toMatchObject({ ok: false, destinations: targets, failed: targets, protocols: ['scp', 'sftp'], protocol: 'scp', error: { code: 'ERR_NO_SUCH_FILE' } });
    expect(await readdir(scpDir)).toEqual([]);
    expect(await readdir(sftpDir)).toEqual([]);
  });

  // User sees: protocols [null,"sftp"] (the first never logged in), protocol "sftp", exit 255 (the first target's).
  it('null for a target that failed before choosing one', async () => {
    const targets = [noLogin(), missingOverSftp()];
    const { status, s } = await putJson(targets);
    expect(status).toBe(255);
    expect(s).toMatchObject({ ok: false, failed: targets, protocols: [null, 'sftp'], protocol: 'sftp', error: { code: 'ERR_AUTH' } });
  });

  // User sees: protocols [null,null], protocol "scp" (the documented value when none was chosen).
  it('null for each when none got as far as choosing', async () => {
    const { status, s } = await putJson([noLogin(), noLogin('/tmp/g')]); // two files: one given twice is refused at start
    expect(status).toBe(255);
    expect(s).toMatchObject({ ok: false, protocols: [null, null], protocol: 'scp' });
  });

  // A success beside a failure: the stored target's protocol decides.
  it('a target that stored the stream decides protocol; the failed one is still listed', async () => {
    const stored = remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, sftpDir)}/ok`);
    const { status, s } = await putJson([missingOverScp(), stored]);
    expect(status).toBe(1);
    expect(s).toMatchObject({ failed: [missingOverScp()], protocols: ['scp', 'sftp'], protocol: 'sftp' });
    expect(await readdir(sftpDir)).toEqual(['ok']);
  });
});

// What docs/json.md says of a protocol the command line fixes: named before the login, which here fails.
describe('--json, protocols of a target that never logged in', () => {
  async function oneJson(extra: string[]): Promise<JsonSummary> {
    const r = await runCli(['put', '--json', ...flags(), ...extra, noLogin()], { stdin: 'some bytes', timeoutMs: 60_000 });
    expect(r.status).toBe(255);
    const s = JSON.parse(r.stdout.toString()) as JsonSummary;
    expectSchema(s);
    return s;
  }

  // User sees: protocols ["scp"] with -O and with --part-size, [null] with -s and under auto; exit 255.
  it('scp for -O and a parts set, null for -s and auto', async () => {
    expect((await oneJson(['-O'])).protocols).toEqual(['scp']);
    expect((await oneJson(['--part-size', '1M'])).protocols).toEqual(['scp']);
    expect((await oneJson(['-s', '--part-size', '1M'])).protocols).toEqual(['sftp']);
    expect((await oneJson(['-s'])).protocols).toEqual([null]);
    expect((await oneJson([])).protocols).toEqual([null]);
  });
});
