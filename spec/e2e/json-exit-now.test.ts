// --json where scpipe exits without waiting for its clean-up: the server did
// not answer for the 10 s grace after a signal, or a second signal came. The summary was never
// written, where docs/json.md promises one for every run.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonSummary } from '../../cli/json-summary-recorder';
import { GRACE_MS } from '../../cli/signals';
import { waitFor } from '../helpers/async';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { startHostileSftp, type HostileSftp } from '../helpers/hostile-sftp';
import { expectSchema } from '../helpers/json-schema';
import { SHORT_GRACE } from '../helpers/short-waits';
import { interruptTwiceDuringCleanUp, slowToStopCommand } from '../helpers/slow-to-stop';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

let fake: HostileSftp | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

it('SIGTERM while the server answers nothing: exit 143 after the grace, with its summary', async () => {
  // A server that never answers the OPEN of the upload's temporary file.
  fake = await startHostileSftp({ stat: (path) => (path === '/up' ? { kind: 'dir' } : undefined), list: () => undefined, ignoreOpen: () => true });
  const run = startCli(['put', '--json', ...fake.args(), '-s', '--parallel', '1', 'backup@127.0.0.1:/up/f'], { stdin: 'data', env: SHORT_GRACE });
  await waitFor(() => fake!.uploads.ops.some((op) => op.endsWith('(not answered)')), 'the OPEN asked for');
  run.child.kill('SIGTERM');
  const r = await run.done;
  expect(r.status).toBe(143);
  const said = 'interrupted by SIGTERM; the server did not answer for 2 s: exiting without it (an upload over SFTP may leave its temporary file .NAME.scpipe-XXXXXX on the server: put --remove-stale removes it on a later run)';
  expect(r.stderr).toBe(`scpipe: ${said}\n`);
  const lines = r.stdout.toString().split('\n');
  expect(lines).toHaveLength(2); // one object, and the newline that ends it
  const s = JSON.parse(lines[0]!) as JsonSummary;
  expectSchema(s);
  expect(s).toMatchObject({ command: 'put', ok: false, exit_status: 143, failed: ['backup@127.0.0.1:/up/f'], error: { code: 'ERR_ABORTED', message: said } });
}, 30_000);

// Ctrl-C twice: the second exits at once, and its summary is written first.
it('a second signal while the server answers nothing: exit 130 at once, with its summary', async () => {
  fake = await startHostileSftp({ stat: (path) => (path === '/up' ? { kind: 'dir' } : undefined), list: () => undefined, ignoreOpen: () => true });
  const run = startCli(['put', '--json', ...fake.args(), '-s', '--parallel', '1', 'backup@127.0.0.1:/up/f'], { stdin: 'data' });
  await waitFor(() => fake!.uploads.ops.some((op) => op.endsWith('(not answered)')), 'the OPEN asked for');
  let exited = false;
  const done = run.done.finally(() => (exited = true));
  // Two signals sent back to back may arrive as one: one more every 100 ms until it exits, well within the grace.
  // Bounded from the signal by the grace it cuts short: on a loaded machine
  // the start and login took 3.5 s of a 5 s bound on the whole run.
  run.child.kill('SIGINT');
  let last = performance.now();
  await waitFor(() => {
    if (!exited && performance.now() - last >= 100) [last] = [performance.now(), run.child.kill('SIGINT')];
    return exited;
  }, 'the exit after a second SIGINT, before the grace ends', GRACE_MS);
  const r = await done;
  expect(r.status).toBe(130);
  const said = 'interrupted by SIGINT again: exiting without waiting for the clean-up (an upload over SFTP may leave its temporary file .NAME.scpipe-XXXXXX on the server: put --remove-stale removes it on a later run)';
  expect(r.stderr).toBe(`scpipe: ${said}\n`);
  const lines = r.stdout.toString().split('\n');
  expect(lines).toHaveLength(2);
  const s = JSON.parse(lines[0]!) as JsonSummary;
  expectSchema(s);
  expect(s).toMatchObject({ command: 'put', ok: false, exit_status: 130, failed: ['backup@127.0.0.1:/up/f'], error: { code: 'ERR_ABORTED', message: said } });
}, 30_000);

// The transfer had failed already, and its clean-up (stopping an input
// command that takes its time) was cut short: what the failure says was
// left on the server stays in the summary, and on stderr.
describe('a second signal during the clean-up of a transfer that failed', () => {
  const sshd = sshdPerSuite();
  const tmp = tempDirPerTest('scpipe-exit-now-');

  it('put --size over SCP cut short by SIGINT, the input command slow to stop: cut_short names the file, as on the server', async () => {
    const dir = await userDir(sshd.rssh, 'json-exit-cut');
    const marker = join(tmp(), 'marker');
    const MiB = 1048576;
    // 1 MiB of the 10 promised; the input command outlasts its SIGTERM.
    const target = `${dir}/f`;
    const run = startCli(['put', '--json', '--size', String(10 * MiB), ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, target), '--', ...slowToStopCommand(MiB, marker)]);
    await interruptTwiceDuringCleanUp(run, marker, async () => (await stat(target).catch(() => undefined))?.size === MiB, 'the first MiB on the server');
    const r = await run.done;
    expect(r.status).toBe(130);
    const s = JSON.parse(r.stdout.toString()) as JsonSummary;
    expectSchema(s);
    expect(s.error).toMatchObject({ code: 'ERR_ABORTED', host: sshd.host, remote_path: target, cut_short: [{ path: target, written: MiB, size: 10 * MiB, failed: false }] });
    expect(s.error!.message).toMatch(/ cut short: .*; interrupted by SIGINT again: exiting without waiting for the clean-up \(/);
    expect(r.stderr).toContain(`scpipe: ${s.error!.message}\n`);
    expect((await stat(target)).size).toBe(MiB);
  }, 60_000);

  it('put --part-size over SCP stopped by SIGINT, the input command slow to stop: cut_short names the parts left unconfirmed', async () => {
    const dir = await userDir(sshd.rssh, 'json-exit-parts');
    const marker = join(tmp(), 'marker');
    // Two and a half parts of 1 MiB; the input command outlasts its SIGTERM.
    const run = startCli(['put', '--json', '--part-size', '1M', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/f`), '--', ...slowToStopCommand(2621440, marker)]);
    await interruptTwiceDuringCleanUp(run, marker, async () => (await readdir(dir)).length >= 2, 'two parts on the server');
    const r = await run.done;
    expect(r.status).toBe(130);
    const s = JSON.parse(r.stdout.toString()) as JsonSummary;
    expectSchema(s);
    expect(s.error).toMatchObject({ code: 'ERR_ABORTED', remote_path: `${dir}/f` });
    expect(s.error!.message).toMatch(/^interrupted by SIGINT; the parts set f is incomplete .*; interrupted by SIGINT again: exiting without waiting for the clean-up \(/);
    // Each part it names is there, as it says.
    const names = await readdir(dir);
    expect(s.error!.cut_short.length).toBeGreaterThan(0);
    for (const left of s.error!.cut_short) expect(names).toContain(left.path.slice(dir.length + 1));
  }, 60_000);

  it('put --size to two targets over SCP cut short by SIGINT, the input command slow to stop: cut_short names a file cut short', async () => {
    const dir = await userDir(sshd.rssh, 'json-exit-many');
    const marker = join(tmp(), 'marker');
    const MiB = 1048576;
    const targets = [`${dir}/a`, `${dir}/b`];
    const run = startCli(['put', '--json', '--size', String(10 * MiB), ...sshFlags(sshd, sshd.rssh), ...targets.map((t) => remote(sshd, sshd.rssh, t)), '--', ...slowToStopCommand(MiB, marker)]);
    const stored = async (): Promise<boolean> => {
      for (const t of targets) if ((await stat(t).catch(() => undefined))?.size !== MiB) return false;
      return true;
    };
    await interruptTwiceDuringCleanUp(run, marker, stored, 'the first MiB of each on the server');
    const r = await run.done;
    expect(r.status).toBe(130);
    const s = JSON.parse(r.stdout.toString()) as JsonSummary;
    expectSchema(s);
    expect(s.error).toMatchObject({ code: 'ERR_ABORTED', cut_short: [{ written: MiB, size: 10 * MiB, failed: false }] });
    expect(targets).toContain(s.error!.cut_short[0]!.path);
    expect(s.error!.message).toMatch(/ cut short: .*; interrupted by SIGINT again: exiting without waiting for the clean-up \(/);
  }, 60_000);
});
