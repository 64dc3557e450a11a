// -v lines name local and remote paths the user gave: a name holding a
// newline or an ESC is shown escaped (`\n`, `\x1b`), as in every other
// message, so the trace cannot be rewritten on the terminal by a name.
import { chmod, copyFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
// SCP refuses a name with a newline (its records are lines): the remote names hold only the ESC.
const NAME = 'a\x1b[31mc';
const SHOWN = 'a\\x1b[31mc';
const KEY = 'k\ney\x1b[31m';
const KEY_SHOWN = 'k\\ney\\x1b[31m';

// Every line is one of scpipe's (or, under --transport openssh -v, ssh's own debug output), and no ESC is raw.
function expectNoRawName(stderr: string): void {
  expect(stderr).not.toContain('\x1b');
  for (const line of stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^(scpipe: |debug1: |OpenSSH_|Authenticated to |Transferred: |Bytes per second: )/);
}

describe('-v: names with a newline or an ESC', () => {
  let local = '';
  beforeEach(async () => {
    local = await mkdtemp(join(tmpdir(), 'scpipe-test-local-'));
  });
  afterEach(async () => {
    await rm(local, { recursive: true, force: true });
  });

  it.each(['ssh2', 'openssh'])('put -O --transport %s: the exec line shows the remote path escaped', async (transport) => {
    const dir = await userDir(sshd.user, `verbose-${transport}`);
    const r = await runCli(['put', '-v', '-O', '--transport', transport, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/${NAME}`)], { stdin: 'x' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`exec: scp -t '${dir}/${SHOWN}'`);
    expectNoRawName(r.stderr);
    expect(await readFile(join(dir, NAME), 'utf8')).toBe('x');
  });

  it('put --part-size: each part line shows the part name escaped', async () => {
    const dir = await userDir(sshd.user, 'verbose-parts');
    const r = await runCli(['put', '-v', '-O', '--part-size', '1K', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/${NAME}`)], { stdin: Buffer.alloc(1500) });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`part 1 ${SHOWN}.000001: `);
    expectNoRawName(r.stderr);
    expect((await readdir(dir)).sort()).toEqual([`${NAME}.000000`, `${NAME}.000001`, `${NAME}.sha256`]);
  });

  it('an identity file whose FILE-cert.pub is not a certificate: the skipped line shows its path escaped', async () => {
    const dir = await userDir(sshd.user, 'verbose-cert');
    const key = join(local, KEY);
    await copyFile(sshd.user.keyPath, key);
    await chmod(key, 0o600);
    await writeFile(`${key}-cert.pub`, 'not a certificate\n');
    await writeFile(join(dir, 'f'), 'hello');
    const r = await runCli(['get', '-v', ...sshFlags(sshd, sshd.user, [], key), remote(sshd, sshd.user, `${dir}/f`)]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('hello');
    expect(r.stderr).toContain(`certificate ${local}/${KEY_SHOWN}-cert.pub skipped: `);
    expectNoRawName(r.stderr);
  });
});
