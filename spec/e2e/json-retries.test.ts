// --json's `retries` is what a script reads as "how often the connection was
// made again": four parts in flight on one dropped connection counted 4,
// one per part's retry line, for a single reconnection; so did get's parts fetched ahead.
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { processesWith } from '../helpers/processes';

const sshd = sshdPerSuite();
const MiB = 1024 * 1024;

it('put --part-size --parallel 4 --json: one dropped connection under four parts is 1 retry; exit 0, the set stored', async () => {
  const dir = await userDir(sshd.rssh, 'json-retries');
  const data = randomBytes(4 * 2 * MiB);
  const run = startCli(['put', '--json', '--part-size', '2M', '--parallel', '4', '-l', '4000', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/s.bin`)], { stdin: data, timeoutMs: 90_000 });
  // Parts whose channels opened late find the first ones done: the drop waits for two cut in the middle.
  const sizes = (): number[] => readdirSync(dir).filter((f) => /^s\.bin\.\d{6}$/.test(f)).map((f) => statSync(join(dir, f)).size);
  await waitFor(() => sizes().filter((n) => n > 0 && n < 2 * MiB).length >= 2, 'two parts half-written remotely', 60_000);
  expect(await dropConnections(sshd)).toBeGreaterThan(0);
  const r = await run.done;
  expect(r.status).toBe(0);
  const retryLines = r.stderr.split('\n').filter((l) => /retry 1 of 5/.test(l));
  expect(retryLines.length).toBeGreaterThanOrEqual(2); // each part cut off says so
  expect(JSON.parse(r.stdout.toString())).toMatchObject({ ok: true, parts: 4, retries: 1 });
  expect(readdirSync(dir).sort()).toEqual(['s.bin.000000', 's.bin.000001', 's.bin.000002', 's.bin.000003', 's.bin.sha256']);
}, 120_000);

it('get of a parts set --parallel 4 --json: one dropped connection under the parts in flight is 1 retry; exit 0, the stream whole', async () => {
  const dir = await userDir(sshd.rssh, 'json-retries-get');
  // Parts well past what the channels' windows and the sockets hold: a drop finds them in flight.
  const data = randomBytes(4 * 16 * MiB);
  const stored = startCli(['put', '--part-size', '16M', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/s.bin`)], { stdin: data, timeoutMs: 60_000 });
  expect(await stored.done).toMatchObject({ status: 0, stderr: '' });
  const run = startCli(['get', '--json', '--parallel', '4', '-l', '40000', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/s.bin`)], { timeoutMs: 90_000 });
  // Each part is checked whole before it goes out: its remote scp -f running is what says it is in flight.
  await waitFor(() => processesWith(`${dir}/s.bin.0000`, 'scp').length === 4, 'four parts being fetched', 60_000);
  expect(await dropConnections(sshd)).toBeGreaterThan(0);
  const r = await run.done;
  expect(r.status).toBe(0);
  const lines = r.stderr.split('\n');
  expect(lines.filter((l) => /retry 1 of 5/.test(l)).length).toBeGreaterThanOrEqual(2); // each part cut off says so
  expect(r.stdout.equals(data)).toBe(true);
  // get's summary goes to stderr, its last line (stdout is the data).
  expect(JSON.parse(lines.filter((l) => l.startsWith('{')).pop()!)).toMatchObject({ ok: true, retries: 1 });
}, 120_000);
