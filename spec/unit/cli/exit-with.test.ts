// The process exits with the run's status once the run settles. A run that
// can no longer settle (nothing left on the event loop: a request on a
// channel that ended unseen) made Node exit 0 with nothing done, which a
// nightly job takes for success: it is exit 1 and an internal error now.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const MAIN = path.resolve(__dirname, '../../../dist/cli/main.js');

function exitOf(run: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(MAIN)}).exitWith(${run})`], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

it('a run that settles: its status, nothing said', () => {
  expect(exitOf('Promise.resolve(3)')).toEqual({ status: 3, stderr: '' });
  expect(exitOf('new Promise((done) => setTimeout(() => done(0), 20))')).toEqual({ status: 0, stderr: '' });
});

it('a run that nothing is left to settle: exit 1, said, not exit 0', () => {
  expect(exitOf('new Promise(() => undefined)')).toEqual({
    status: 1,
    stderr: 'scpipe: internal error: the run stopped with nothing left to wait for, unfinished; nothing it did may be trusted\n',
  });
});
