// A parts upload stopped while a part's or the manifest's answer is on its
// way (a relay in front of the real scp -t holds it: held-reply.ts): the
// message says what each file it had begun may hold remotely, and --json's
// error lists them (cut_short). Before, a part
// whose header went unanswered (left empty) and one sent whole but never
// confirmed were both "left cut short", and an empty manifest was "at most 0
// of N bytes written".
import { readFile, readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonCutShort } from '../../cli/json-error';
import type { JsonSummary } from '../../cli/json-summary-recorder';
import { expectSchema } from '../helpers/json-schema';
import { remote, runCli, sshFlags, startCli, type CliResult } from '../helpers/cli';
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
  const json = JSON.parse(r.stdout.toString()) as JsonSummary;
  expectSchema(json);
  expect(r.stderr).toBe(`scpipe: ${json.error!.message}\n`);
  expect(json).toMatchObject({ exit_status: 130, parts, error: { code: 'ERR_ABORTED' } });
  return json.error!.message;
}

// The summary's error's cut_short: the files the message names as left, as data.
const cutShort = (r: CliResult): JsonCutShort[] => (JSON.parse(r.stdout.toString()) as JsonSummary).error!.cut_short;

describe('put --part-size interrupted: what each file begun may hold remotely', () => {
  it('a part whose header was unanswered: "may be left empty", and it is there, empty', async () => {
    const dir = await userDir(sshd.user, 'left-empty');
    const r = await interrupted(dir, 'ack 2 only=.000001');
    expect(r.status).toBe(130);
    expect(said(r, 1)).toBe(`interrupted by SIGINT; the parts set p is incomplete (no manifest p.sha256): 1 part(s) confirmed remotely: p.000000; ${EMPTY}: p.000001`);
    expect(cutShort(r)).toEqual([{ path: `${dir}/p.000001`, written: 0, size: MiB, failed: false }]);
    expect(await sizes(dir)).toEqual({ 'p.000000': MiB, 'p.000001': 0 });
  });

  it('a part sent whole whose answer was held: "all bytes handed to the connection, none confirmed", and it is there whole', async () => {
    const dir = await userDir(sshd.user, 'left-whole');
    const r = await interrupted(dir, 'ack 3 only=.000001');
    expect(r.status).toBe(130);
    expect(said(r, 1)).toBe('interrupted by SIGINT; the parts set p is incomplete (no manifest p.sha256): 1 part(s) confirmed remotely: p.000000; all bytes handed to the connection, none confirmed (whole or cut short remotely, in no manifest): p.000001');
    expect(cutShort(r)).toEqual([{ path: `${dir}/p.000001`, written: MiB, size: MiB, failed: false }]);
    expect(await sizes(dir)).toEqual({ 'p.000000': MiB, 'p.000001': MiB });
  });

  it('the manifest\'s header unanswered: "may be left empty", not "at most 0 of N bytes written"', async () => {
    const dir = await userDir(sshd.user, 'left-manifest');
    const r = await interrupted(dir, 'ack 2 only=.sha256');
    expect(r.status).toBe(130);
    expect(said(r, 3)).toBe('interrupted by SIGINT; the parts set p is incomplete (its manifest p.sha256 may be left empty: cut off before its first byte): 3 part(s) confirmed remotely: p.000000..p.000002');
    expect(cutShort(r)).toEqual([{ path: `${dir}/p.sha256`, written: 0, size: expect.any(Number), failed: false }]);
    expect(await sizes(dir)).toEqual({ 'p.000000': MiB, 'p.000001': MiB, 'p.000002': MiB - 5, 'p.sha256': 0 });
  });
});

// What such a set's get says: its manifest empty or cut short is an upload
// that did not finish, not a manifest edited by hand (before: 'is incomplete
// (no "# end" line)', or 'lists … where … belongs' for one cut mid-line).
describe('get of a set whose manifest a stopped put left empty or cut short', () => {
  it('says the manifest is empty or cut short and the set incomplete: exit 1, nothing on stdout', async () => {
    const dir = await userDir(sshd.user, 'get-manifest');
    const r = await interrupted(dir, 'ack 2 only=.sha256');
    expect(r.status).toBe(130);
    await relay.release();
    const get = (): Promise<CliResult> => runCli(['get', ...sshFlags(sshd, sshd.user), '--json', remote(sshd, sshd.user, `${dir}/p`)]);
    const empty = await get();
    expect(empty.status).toBe(1);
    expect(empty.stdout.length).toBe(0);
    expect(empty.stderr).toMatch(/^scpipe: manifest p\.sha256 is empty: the upload of p was cut off as its manifest began \(or is still running\), so the parts set is incomplete\n\{"scpipe_json":1,"command":"get","ok":false,"exit_status":1,.*"error":\{"code":"ERR_PROTOCOL",/);
    // The manifest whole, then cut in the middle of a part's line.
    const whole = await runCli(['put', ...sshFlags(sshd, sshd.user), '--part-size', '1M', '--spool-dir', spool(), remote(sshd, sshd.user, `${dir}/p`)], { stdin: Buffer.alloc(3 * MiB - 5, 1) });
    expect(whole).toMatchObject({ status: 0, stderr: '' });
    const text = await readFile(join(dir, 'p.sha256'), 'utf8');
    const at = text.indexOf('  p.000001') + 5;
    await truncate(join(dir, 'p.sha256'), at);
    const cut = await get();
    expect(cut.status).toBe(1);
    expect(cut.stdout.length).toBe(0);
    expect(cut.stderr.split('\n')[0]).toBe(`scpipe: manifest p.sha256 is cut short, after ${at} bytes with no "# end" line: the upload of p did not finish (or is still running), so the parts set is incomplete`);
  });
});
