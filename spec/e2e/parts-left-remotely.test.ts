// A parts upload stopped while a part's or the manifest's answer is on its
// way (a relay in front of the real scp -t holds it: held-reply.ts): the
// message says what each file it had begun may hold remotely. Before, a part
// whose header went unanswered (left empty) and one sent whole but never
// confirmed were both "left cut short", and an empty manifest was "at most 0
// of N bytes written".
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { remote, sshFlags, startCli, type CliResult } from '../helpers/cli';
import { heldReplies, type Hold } from '../helpers/held-reply';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const relay = heldReplies();
const sshd = sshdPerSuite();
afterAll(() => relay.remove());
afterEach(() => relay.release());
const spool = tempDirPerTest('scpipe-test-left-spool-', { mustEndEmpty: true });
const MiB = 1048576;
const EMPTY = 'may be left empty remotely (scp makes a file as it takes its header; one already there keeps its bytes)';

const sizes = async (dir: string): Promise<Record<string, number>> =>
  Object.fromEntries(await Promise.all((await readdir(dir)).sort().map(async (n) => [n, (await stat(join(dir, n))).size] as const)));

// Three parts of p, one at a time, interrupted (SIGINT) once `hold` is held.
async function interrupted(dir: string, hold: Hold): Promise<CliResult> {
  await relay.hold(hold);
  const run = startCli(['put', ...sshFlags(sshd, sshd.user), '--scp-path', relay.path, '--json', '--part-size', '1M', '--parallel', '1', '--spool-dir', spool(), remote(sshd, sshd.user, `${dir}/p`)], {
    stdin: Buffer.alloc(3 * MiB - 5, 1),
  });
  await relay.held();
  run.child.kill('SIGINT');
  return run.done;
}

// The one message, on stderr and as the --json summary's error, whose `parts` are those confirmed.
function said(r: CliResult, parts: number): string {
  const json = JSON.parse(r.stdout.toString()) as { exit_status: number; parts: number; error: { code: string; message: string } };
  expect(r.stderr).toBe(`scpipe: ${json.error.message}\n`);
  expect(json).toMatchObject({ exit_status: 130, parts, error: { code: 'ERR_ABORTED' } });
  return json.error.message;
}

describe('put --part-size interrupted: what each file begun may hold remotely', () => {
  it('a part whose header was unanswered: "may be left empty", and it is there, empty', async () => {
    const dir = await userDir(sshd.user, 'left-empty');
    const r = await interrupted(dir, 'ack 2 only=.000001');
    expect(r.status).toBe(130);
    expect(said(r, 1)).toBe(`interrupted by SIGINT; the parts set p is incomplete (no manifest p.sha256): 1 part(s) confirmed remotely: p.000000; ${EMPTY}: p.000001`);
    expect(await sizes(dir)).toEqual({ 'p.000000': MiB, 'p.000001': 0 });
  });

  it('a part sent whole whose answer was held: "all bytes handed to the connection, none confirmed", and it is there whole', async () => {
    const dir = await userDir(sshd.user, 'left-whole');
    const r = await interrupted(dir, 'ack 3 only=.000001');
    expect(r.status).toBe(130);
    expect(said(r, 1)).toBe('interrupted by SIGINT; the parts set p is incomplete (no manifest p.sha256): 1 part(s) confirmed remotely: p.000000; all bytes handed to the connection, none confirmed (whole or cut short remotely, in no manifest): p.000001');
    expect(await sizes(dir)).toEqual({ 'p.000000': MiB, 'p.000001': MiB });
  });

  it('the manifest\'s header unanswered: "may be left empty", not "at most 0 of N bytes written"', async () => {
    const dir = await userDir(sshd.user, 'left-manifest');
    const r = await interrupted(dir, 'ack 2 only=.sha256');
    expect(r.status).toBe(130);
    expect(said(r, 3)).toBe('interrupted by SIGINT; the parts set p is incomplete (its manifest p.sha256 may be left empty: cut off before its first byte): 3 part(s) confirmed remotely: p.000000..p.000002');
    expect(await sizes(dir)).toEqual({ 'p.000000': MiB, 'p.000001': MiB, 'p.000002': MiB - 5, 'p.sha256': 0 });
  });
});
