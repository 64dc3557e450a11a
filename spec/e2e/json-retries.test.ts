// --json's `retries` is what a script reads as "how often the connection was
// made again": four parts in flight on one dropped connection counted 4,
// one per part's retry line, for a single reconnection.
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const MiB = 1024 * 1024;

it('put --part-size --parallel 4 --json: one dropped connection under four parts is 1 retry; exit 0, the set stored', async () => {
  const dir = await userDir(sshd.rssh, 'json-retries');
  const data = randomBytes(4 * 2 * MiB);
  const run = startCli(['put', '--json', '--part-size', '2M', '--parallel', '4', '-l', '8000', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/s.bin`)], { stdin: data, timeoutMs: 90_000 });
  const under = (): number => readdirSync(dir).filter((f) => /^s\.bin\.\d{6}$/.test(f) && statSync(join(dir, f)).size > 0).length;
  await waitFor(() => under() >= 4, 'four parts half-written remotely', 60_000);
  expect(await dropConnections(sshd)).toBeGreaterThan(0);
  const r = await run.done;
  expect(r.status).toBe(0);
  const retryLines = r.stderr.split('\n').filter((l) => /retry 1 of 5/.test(l));
  expect(retryLines.length).toBeGreaterThanOrEqual(2); // each part cut off says so
  expect(JSON.parse(r.stdout.toString())).toMatchObject({ ok: true, parts: 4, retries: 1 });
  expect(readdirSync(dir).sort()).toEqual(['s.bin.000000', 's.bin.000001', 's.bin.000002', 's.bin.000003', 's.bin.sha256']);
}, 120_000);
