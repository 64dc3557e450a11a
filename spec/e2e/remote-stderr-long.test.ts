// A remote command that fails after saying more than a few KiB on its
// stderr (a refusal, then a flood; or one endless line of binary): the
// message quotes the first line it said, cut to 400 characters and escaped,
// and says it once; the rest is relayed as it came, escaped. Where only the
// last 8 KiB were looked at, the message quoted a fragment of the flood (up
// to 32 KiB once escaped) and the refusal was lost from it.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { startHostileSsh, type HostileSsh } from '../helpers/hostile-ssh';

let fake: HostileSsh | undefined;
let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'scpipe-test-stderr-long-'));
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  await rm(work, { recursive: true, force: true });
});

// The remote writes `said` on its stderr, then exits 1 without a word of the protocol.
async function failingWith(said: Buffer): Promise<HostileSsh> {
  return startHostileSsh({
    onExec: (channel) => {
      channel.stderr.write(said);
      channel.exit(1);
      channel.end();
    },
  });
}

const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/; // anything but \n reaching the terminal raw

describe('a remote that fails after a long stderr', () => {
  const flood = 'x'.repeat(20_000);

  it.each([
    ['get', (args: string[]) => ['get', '-O', ...args, '--output', join(work, 'f'), '127.0.0.1:f'], ': remote command exited with status 1: rssh: refused to run \\x1b[2Jscp'],
    ['put', (args: string[]) => ['put', '-O', ...args, '127.0.0.1:f'], ': remote command exited with status 1 before the transfer started: rssh: refused to run \\x1b[2Jscp'],
  ])('%s: a refusal then 20 KB more: the message quotes the refusal, once; the flood is relayed; nothing is left', async (_cmd, argv, message) => {
    fake = await failingWith(Buffer.from(`rssh: refused to run \x1b[2Jscp\n${flood}\n`));
    const r = await runCli(argv(fake.args()), { stdin: 'data', timeoutMs: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`${flood}\nscpipe${message}\n`);
    expect(await readdir(work)).toEqual([]);
  });

  it('one endless first line of binary: quoted by its first 400 characters, escaped, with …, and not relayed again', async () => {
    const line = Buffer.from(Array.from({ length: 100_000 }, (_, i) => [0x1b, 0x9b, 0x07, 0x41, 0xff][i % 5]!));
    fake = await failingWith(line);
    const r = await runCli(['get', '-O', ...fake.args(), '--output', join(work, 'f'), '127.0.0.1:f'], { timeoutMs: 30_000 });
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^scpipe: remote command exited with status 1: (\\x1b\uFFFD\\x07A\uFFFD){80}…$/); // a byte not UTF-8 as U+FFFD
    expect(r.stderr).not.toMatch(CONTROL);
    expect(await readdir(work)).toEqual([]);
  });
});
