// Two runs storing a parts set of one name at once (a nightly job that
// overran into the next night's): each wrote over the other's parts, and
// both ended with exit 0. The run whose manifest goes second now fails,
// saying another run stored a set of that name meanwhile. Against real
// sshd, over SCP (the scp-only account) and SFTP (the internal-sftp jail).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, startCli, sshFlags } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();

describe.each([
  ['SCP, the scp-only account', () => sshd.rssh],
  ['SFTP, the sftp-only jail', () => sshd.sftp],
] as const)('two runs storing a parts set of one name at once, over %s', (_, account: () => TestAccount) => {
  let dir: string;
  let rdir: string;
  let go: string;
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp']);
    dir = await userDir(account(), 'concurrent');
    rdir = remotePath(account(), dir);
    go = join(dir, 'go'); // made by the test: the first run's producer then ends
  });
  afterEach(() => rm(go, { force: true }));
  const flags = (): string[] => sshFlags(sshd, account());
  const at = (name: string): string => remote(sshd, account(), `${rdir}/${name}`);

  // The first run sends its first part, then waits while a second run
  // stores a whole set of the name. User sees: the second, exit 0; the
  // first, exit 1 and why (its last line; -v tells the test when its first
  // part is confirmed). Left: the first run's manifest.
  it.each([
    ['no set of the name was there', 'appeared', false],
    ['an earlier set was there', 'changed', true],
  ])('%s: the run that ends last exits 1, saying the manifest %s', async (_what, how, earlier) => {
    if (earlier) expect(await runCli(['put', ...flags(), '--part-size', '1M', at('db')], { stdin: randomBytes(100) })).toMatchObject({ status: 0, stderr: '' });
    const producer = `head -c 1500000 /dev/urandom; i=0; while [ ! -e ${go} ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; head -c 1000 /dev/urandom`;
    const first = startCli(['put', ...flags(), '-v', '--part-size', '1M', '--parallel', '1', at('db'), '--', 'sh', '-c', producer], { timeoutMs: 60_000 });
    await waitFor(() => first.stderr().includes('part 0 db.000000:'), 'the first part confirmed', 20_000);
    const second = await runCli(['put', ...flags(), '--part-size', '1M', at('db')], { stdin: randomBytes(3 * 1024 * 1024) });
    expect(second).toMatchObject({ status: 0 });
    await writeFile(go, '');
    const r = await first.done;
    expect(r.status).toBe(1);
    expect(r.stderr.endsWith(
      `scpipe: ${rdir}/db: another run stored a parts set of this name while this one was sending (${rdir}/db.sha256 ${how}), ` +
        "so each may have written over the other's parts: this run's manifest replaced that one's, and `scpipe get` checks every part and refuses one that is the other's; " +
        'run again, and give each run a name of its own\n',
    )).toBe(true);
    expect(existsSync(join(dir, 'db.sha256'))).toBe(true);
  });
});
