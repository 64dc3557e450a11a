// Arguments that were not UTF-8, read back as their bytes from the process's
// command line; refused where those bytes cannot be read.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argumentsAsBytes } from '../../../cli/argv-utf8';
import { toBytes } from '../../../lib/util/byte-text';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scpipe-argv-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// A command line as the kernel keeps it: NUL after each argument.
function cmdline(args: Buffer[]): string {
  const path = join(dir, 'cmdline');
  writeFileSync(path, Buffer.concat(args.flatMap((a) => [a, Buffer.from([0])])));
  return path;
}

describe('argumentsAsBytes', () => {
  const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
  const decoded = (b: Buffer): string => b.toString('utf8');

  it('gives each argument holding bytes that are not UTF-8 as those bytes, local paths and remote ones alike', () => {
    const raw = [latin1('node'), latin1('cli'), latin1('get'), latin1('--output'), latin1('caf\xe9'), latin1('h:d\xe9/f')];
    const got = argumentsAsBytes(raw.slice(2).map(decoded), cmdline(raw));
    expect(got.map((a) => toBytes(a))).toEqual(raw.slice(2));
  });

  it('passes a U+FFFD typed as UTF-8 on unchanged', () => {
    const raw = [latin1('node'), Buffer.from('--output=a\uFFFDb')];
    expect(argumentsAsBytes([decoded(raw[1]!)], cmdline(raw))).toEqual(['--output=a\uFFFDb']);
  });

  it('refuses such an argument where the bytes cannot be read, naming it escaped', () => {
    expect(() => argumentsAsBytes(['--output', decoded(latin1('caf\xe9'))], join(dir, 'missing'))).toThrow(
      expect.objectContaining({ code: 'ERR_USAGE', message: 'the argument "caf\uFFFD" holds bytes that are not UTF-8 (shown as \uFFFD); scpipe cannot pass them on unchanged: use a UTF-8 name' }),
    );
  });
});
