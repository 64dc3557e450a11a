// cli/signals.ts in a process of its own, with real signals: what a signal
// does depends on whether the run is still going, and one that comes as the
// run ends must be acted on all the same (scpipe get | a reader that takes
// nothing, then SIGTERM twice: the second exits at once).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const SIGNALS = path.resolve(__dirname, '../../../dist/cli/signals.js');

// Runs `body` after abortOnSignals() in a fresh node; `run` and `release` are in its scope.
function inProcess(body: string): { status: number | null; signal: NodeJS.Signals | null; stderr: string } {
  const script = `const { abortOnSignals } = require(${JSON.stringify(SIGNALS)});\nconst run = abortOnSignals();\n${body}`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

describe('abortOnSignals', () => {
  it('a second SIGTERM caught just before the run ends is acted on after it: exit 143, the reader told its stream is cut', () => {
    // The second signal is caught (the kernel delivers it to us before kill() returns) while the
    // run's listeners are still there, and dispatched only once release() put the after-run ones in.
    // A turn of the event loop later the signal has been read: exit 3 says it went unheard.
    const r = inProcess(`const running = setInterval(() => undefined, 1000);
run.signal.addEventListener('abort', () => setImmediate(() => {
  process.kill(process.pid, 'SIGTERM');
  run.release();
  clearInterval(running);
  setImmediate(() => process.exit(3));
}));
process.kill(process.pid, 'SIGTERM');`);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(143);
    expect(r.stderr).toBe('scpipe: interrupted by SIGTERM again before what reads stdout took the last bytes: it has a stream cut short there\n');
  });

  it('a second SIGINT during the run exits at once, 130, saying the clean-up was not waited for', () => {
    const r = inProcess(`run.signal.addEventListener('abort', () => setImmediate(() => process.kill(process.pid, 'SIGINT')));\nprocess.kill(process.pid, 'SIGINT');\nsetInterval(() => undefined, 1000);`);
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/^scpipe: interrupted by SIGINT again: exiting without waiting for the clean-up \(/);
  });
});
