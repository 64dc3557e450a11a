// The nightly job of docs/nightly.md run again after a run that did not
// finish, against `scpipe serve --append-only`: the parts of the first run
// are there without their manifest, and a new stream's parts differ. Run
// again without --no-clobber, as the advice for other servers goes, each
// part is refused; the messages said nothing of a new name, and the
// --no-clobber one even advised that run.
import { randomBytes } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { servePerSuite } from '../helpers/serve';

const serve = servePerSuite(['--append-only']);
const at = (path: string): string => `backup@127.0.0.1:${path}`;
const put = (extra: string[], name: string, data: Buffer): ReturnType<typeof runCli> =>
  runCli(['put', ...serve.scpipeArgs(), ...extra, '-q', '--part-size', '64K', at(`/${name}`)], { stdin: data });

const first = randomBytes(200_000);
const PARTS = ['home.000000', 'home.000001', 'home.000002', 'home.000003'];

beforeAll(async () => {
  expect(await put([], 'home', first)).toMatchObject({ status: 0, stderr: '' });
  await rm(join(serve.root, 'home.sha256')); // as if the run had been stopped before its manifest
});

// The parts of the first run, as it left them.
async function expectFirstRunAsItWas(): Promise<void> {
  expect((await readdir(serve.root)).filter((n) => /^home\.(\d{6}|sha256)$/.test(n)).sort()).toEqual(PARTS);
  const parts = await Promise.all(PARTS.map((p) => readFile(join(serve.root, p))));
  expect(Buffer.concat(parts).equals(first)).toBe(true);
}

it('with --no-clobber: says that an append-only server refuses a run without it', async () => {
  const r = await put(['--no-clobber'], 'home', randomBytes(200_000));
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(
    'scpipe: /home.000000: the remote file exists, and --no-clobber leaves it as it is: it is the first part of a set of this name without its manifest /home.sha256, ' +
      'whose upload did not finish (or is still running): give this run a name of its own, or run it without --no-clobber to store the set over those parts (an append-only server refuses that)\n',
  );
  await expectFirstRunAsItWas();
});

it.each([['SCP', ['-O']], ['SFTP', ['-s']]])('without --no-clobber over %s: refused, and says to give the run a name of its own', async (_name, extra) => {
  const r = await put(extra, 'home', randomBytes(200_000));
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^scpipe: .*\/home\.00000\d: .*append-only server: it exists, and existing files are not replaced\)?; the parts set home is incomplete \(no manifest home\.sha256\): [^;]*; an append-only server writes over nothing; give each run a name of its own\n$/);
  await expectFirstRunAsItWas();
});

it('stores the run under a name of its own, as docs/nightly.md says', async () => {
  const again = randomBytes(200_000);
  expect(await put([], 'home.2026-12-06-0310', again)).toMatchObject({ status: 0, stderr: '' });
  expect((await runCli(['get', ...serve.scpipeArgs(), '-q', at('/home.2026-12-06-0310')])).stdout.equals(again)).toBe(true);
  await expectFirstRunAsItWas();
});
