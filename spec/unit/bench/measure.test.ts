// The bench's peak memory of a case counts what scpipe started too: over
// --transport openssh each channel is an ssh process of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { pollPeakMemory } from '../../../scripts/bench/measure';
import { waitFor } from '../../helpers/async';

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
