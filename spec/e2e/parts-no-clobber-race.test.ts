// Two runs of one nightly job with --no-clobber (a cron line and a timer
// left from a migration, both at 02:00) each look for the set's names at
// the start and find none. Over SCP, nothing else stopped the later one:
// it wrote its parts over the other's. Its first part's name is now looked
// up again just before any of its parts goes, as a single file's is.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, startCli, sshFlags } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();

describe('two --no-clobber runs of one set name over SCP', () => {
  let dir: string;
  let go: string;
  beforeEach(async () => {
    await sshd.setRsshAllowed(['scp']);
    dir = await userDir(sshd.rssh, 'noclobber');
    go = join(dir, 'go'); // made by the test: the first run's producer then ends its first part
  });
  afterEach(() => rm(go, { force: true }));
  const flags = (): string[] => sshFlags(sshd, sshd.rssh);

  // The first run has looked and is still producing its first part when
  // the second stores a whole set. User sees: the second, exit 0; the
  // first, exit 1, naming the first part and why. Left: the second run's
  // set, whole, with no part of the first run in it.
  it('the run that looked first but sends second stops before its first part', async () => {
    const producer = `head -c 500000 /dev/urandom; i=0; while [ ! -e ${go} ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; head -c 2500000 /dev/urandom`;
    const first = startCli(['put', ...flags(), '--no-clobber', '--part-size', '1M', remote(sshd, sshd.rssh, `${dir}/db`), '--', 'sh', '-c', producer], { timeoutMs: 60_000 });
    const looked = async (): Promise<boolean> => (await sshd.rsshLog()).some((e) => e.command.startsWith('scp -f') && e.command.includes(`${dir}/db.000000`));
    await waitFor(looked, 'the first run looked for db.000000', 20_000);
    const data = randomBytes(3 * 1024 * 1024 + 7);
    const second = await runCli(['put', ...flags(), '--no-clobber', '--part-size', '1M', remote(sshd, sshd.rssh, `${dir}/db`)], { stdin: data });
    expect(second).toMatchObject({ status: 0, stderr: '' });
    await writeFile(go, '');
    const r = await first.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(
      `^scpipe: ${dir}/db\\.000000: the remote file exists, and --no-clobber leaves it as it is: another run began to store a set of this name after this one first looked, ` +
        "so this one stops before it writes over that one's parts; give each run a name of its own, or hold a lock around the job \\(flock -n\\)",
    ));
    const parts = readdirSync(dir).filter((f) => /^db\.\d{6}$/.test(f)).sort();
    expect(parts).toEqual(['db.000000', 'db.000001', 'db.000002', 'db.000003']);
    expect(Buffer.concat(parts.map((f) => readFileSync(join(dir, f)))).equals(data)).toBe(true);
    execFileSync('sha256sum', ['-c', '--strict', '--quiet', 'db.sha256'], { cwd: dir });
  }, 90_000);
});
