// The file's stream: whether a file named on the command line is this
// process's stdout or stderr (`--output /dev/stdout | reader`, `> f` and
// `--output f`, a systemd service's journal socket), so that no line said
// there goes into the file's bytes. Run in a child process, from dist (npm
// run build), as the point is the child's own descriptors 1 and 2.
import { spawnSync, type StdioOptions } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const FILE_STREAM = path.resolve(__dirname, '../../../dist/cli/file-stream.js');
let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'scpipe-test-stream-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// Runs `code` (an async function body given the module as `m`) with `stdio`; its answer is written on fd 3, a pipe.
function inChild(code: string, stdio: Array<number | "ignore" | "pipe">): string {
  const script = `
    const m = require(${JSON.stringify(FILE_STREAM)});
    const name = (s) => (s === process.stdout ? 'stdout' : s === process.stderr ? 'stderr' : String(s));
    (async () => { ${code} })().then((r) => require('fs').writeSync(3, String(r)), (e) => require('fs').writeSync(3, 'threw: ' + e.message));`;
  const r = spawnSync(process.execPath, ['-e', script], { stdio: [...stdio, 'pipe'] as StdioOptions, encoding: 'utf8' });
  return (r.output[3] as string | null) ?? '';
}

function withFile<T>(name: string, run: (fd: number, file: string) => T): T {
  const file = path.join(dir, name);
  const fd = openSync(file, 'w');
  try {
    return run(fd, file);
  } finally {
    closeSync(fd);
  }
}

describe("the file's stream", () => {
  it('ownStreamAt: a file that is stdout or stderr is that stream; another file, or /dev/null, is none', () => {
    withFile('out', (fd, file) => {
      expect(inChild(`return name(await m.ownStreamAt(${JSON.stringify(file)}))`, ['ignore', fd, 'ignore'])).toBe('stdout');
      expect(inChild(`return name(await m.ownStreamAt(${JSON.stringify(file)}))`, ['ignore', 'ignore', fd])).toBe('stderr');
      expect(inChild(`return name(await m.ownStreamAt(${JSON.stringify(path.join(dir, 'other'))}))`, ['ignore', fd, 'ignore'])).toBe('undefined');
      expect(inChild("return name(await m.ownStreamAt('/dev/null'))", ['ignore', 'ignore', 'ignore'])).toBe('undefined');
    });
  });

  it('oneStream: stdout and stderr one file (2>&1), not two, nor /dev/null for both', () => {
    withFile('both', (fd) => expect(inChild('return m.oneStream()', ['ignore', fd, fd])).toBe('true'));
    withFile('a', (a) => withFile('b', (b) => expect(inChild('return m.oneStream()', ['ignore', a, b])).toBe('false')));
    expect(inChild('return m.oneStream()', ['ignore', 'ignore', 'ignore'])).toBe('false');
  });

  it('ownSocketAt: /dev/stdout that is a socket (a service\'s journal) is the stream; a file is not', () => {
    // Node gives a child's 'pipe' stdio as a socket pair.
    expect(inChild("return name(await m.ownSocketAt('/dev/stdout'))", ['ignore', 'pipe', 'ignore'])).toBe('stdout');
    expect(inChild("return name(await m.ownSocketAt('/dev/fd/2'))", ['ignore', 'ignore', 'pipe'])).toBe('stderr');
    withFile('out', (fd) => expect(inChild("return name(await m.ownSocketAt('/dev/stdout'))", ['ignore', fd, 'ignore'])).toBe('undefined'));
  });

  it('refuseSumsInto: a checksum line that would go into the file is a usage error, and says why', () => {
    withFile('out', (fd, file) => {
      const refuse = (args: object, named = true) =>
        inChild(`await m.refuseSumsInto(await m.ownStreamAt(${JSON.stringify(file)}), 'F', ${named}, ${JSON.stringify(args)}); return 'ok'`, ['ignore', fd, fd]);
      expect(refuse({ 'checksum-file': '-' })).toBe('threw: stdout carries the file (F): give --checksum-file a file name');
      expect(refuse({ checksum: true })).toBe('threw: --checksum prints its line on stderr, which is the stream the file goes to (F): give --checksum-file a file name');
      expect(refuse({ 'checksum-file': file })).toBe(`threw: --checksum-file ${file} is stdout, which carries the file: give it a file of its own`);
      expect(refuse({ 'checksum-file': path.join(dir, 'sums') })).toBe('ok');
    });
    // The file a file of its own: every line goes elsewhere.
    withFile('own', (_fd, file) => {
      expect(inChild(`await m.refuseSumsInto(undefined, 'F', true, { checksum: true, 'checksum-file': ${JSON.stringify(file)} }); return 'ok'`, ['ignore', 'ignore', 'ignore'])).toBe('ok');
    });
    expect(readFileSync(path.join(dir, 'out'), 'utf8')).toBe('');
  });
});
