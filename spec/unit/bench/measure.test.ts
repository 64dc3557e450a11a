// The bench's peak memory of a case counts what scpipe started too: over
// --transport openssh each channel is an ssh process of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pollPeakMemory } from '../../../scripts/bench/measure';
import { waitFor } from '../../helpers/async';
import { withTmpfs } from '../../helpers/tmpfs';

const HELD_MIB = 200;
let parent: ChildProcess | undefined;

afterEach(() => {
  // Its own group: the kill reaches the child holding the memory too.
  if (parent?.pid && parent.exitCode === null) process.kill(-parent.pid, 'SIGKILL');
});

test('peak memory includes the resident memory of the process\'s children', async () => {
  // A small parent whose child holds HELD_MIB of touched memory and says so.
  const child = `const b = Buffer.alloc(${HELD_MIB} * 1024 * 1024, 1); process.stdout.write('held\\n'); setInterval(() => b[0]++, 1000);`;
  const script = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: 'inherit' }); setInterval(() => {}, 1000);`;
  parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  let out = '';
  parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = pollPeakMemory(parent.pid!);
  await waitFor(() => out.includes('held'), 'the child to hold its memory', 30_000);
  expect(stop()).toBeGreaterThan(HELD_MIB);
});

describe('shared memory', () => {
  const MiB = 1024 * 1024;
  const written = Buffer.alloc(150 * MiB, 1);
  let file: string | undefined;
  afterEach(() => { if (file) rmSync(file, { force: true }); });

  // A process that only idles: whatever the poll reports beyond its own ~40 MiB came from elsewhere.
  const idle = (): number => {
    parent = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', detached: true });
    return parent.pid!;
  };

  test('what /dev/shm grows by while polling is counted (scpipe\'s memory file lives there)', () => {
    const stop = pollPeakMemory(idle());
    file = join('/dev/shm', `scpipe-test-measure-${process.pid}`);
    writeFileSync(file, written);
    expect(stop()).toBeGreaterThan(150);
  });

  test('a file written to another tmpfs (a /tmp in RAM holding the spool or the remote file) is not', async () => {
    await withTmpfs('400m', async (dir) => {
      const stop = pollPeakMemory(idle());
      writeFileSync(join(dir, 'spool'), written);
      writeFileSync(join(dir, 'remote-file'), written);
      // 300 MiB written; the margin is for other programs' use of /dev/shm meanwhile.
      expect(stop()).toBeLessThan(200);
    });
  });
});
