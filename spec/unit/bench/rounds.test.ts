// A failed run of one case: said at once, the case run no more, the others
// go on, and the table keeps every run that finished with the case marked.
// Before, one failed run ended the bench with no table at all.
import { runRounds } from '../../../scripts/bench/rounds';
import { summarize, table, type CaseResult } from '../../../scripts/bench/report';

const results = (names: string[]): CaseResult[] => names.map((name) => ({ name, seconds: [], peakMiB: [], clientCpu: [], otherCpu: [] }));

test('a failed case is marked and skipped; the runs that finished are kept and tabled', async () => {
  const said: string[] = [];
  const calls: string[] = [];
  const rs = results(['pipe-disk', 'manual-two-pass']);
  const finished = await runRounds(rs, {
    runs: 3,
    isTiny: () => false,
    runOnce: async (name) => {
      calls.push(name);
      if (name === 'pipe-disk' && calls.filter((c) => c === name).length === 2) throw new Error('pipe-disk failed after 1.0 s:\n  scpipe: exit 1');
      return { seconds: 2, clientCpu: 1, otherCpu: 1 };
    },
    stopped: () => false,
    say: (line) => said.push(line),
  });
  expect(finished).toBe(true);
  expect(calls).toEqual(['pipe-disk', 'manual-two-pass', 'manual-two-pass', 'pipe-disk', 'manual-two-pass']);
  expect(rs[0]).toMatchObject({ seconds: [2], failed: 'at run 2/3: pipe-disk failed after 1.0 s:' });
  expect(rs[1]!.seconds).toEqual([2, 2, 2]);
  expect(said).toContain('run 2/3 pipe-disk: FAILED (not run again): pipe-disk failed after 1.0 s:\n  scpipe: exit 1');
  const tbl = table(summarize(rs, 1e6));
  expect(tbl).toContain('| pipe-disk (FAILED at run 2/3; 1 run finished) | 2.00 | 1 | 1.00 × manual-two-pass |');
  expect(tbl).toContain('| manual-two-pass | 2.00 |');
  expect(tbl.endsWith('\n\npipe-disk FAILED at run 2/3: pipe-disk failed after 1.0 s:')).toBe(true);
});

test('a case whose first run failed has no figures, and its ratios none either', async () => {
  const rs = results(['pipe-disk', 'manual-two-pass']);
  await runRounds(rs, {
    runs: 2,
    isTiny: () => false,
    runOnce: async (name) => {
      if (name === 'manual-two-pass') throw new Error('no sshd');
      return { seconds: 4, clientCpu: 1, otherCpu: 1 };
    },
    stopped: () => false,
    say: () => undefined,
  });
  const rows = summarize(rs, 1e6);
  expect(rows[1]).toMatchObject({ failed: 'at run 1/2: no sshd', medianSeconds: undefined, mbPerSecond: undefined });
  expect(rows[0]).toMatchObject({ medianSeconds: 4, vsReference: undefined });
  expect(table(rows)).toContain('| manual-two-pass (FAILED at run 1/2; 0 runs finished) | – | – | – |');
});

test('a run that a signal cut short is no failure: the rounds stop', async () => {
  let stopped = false;
  const rs = results(['pipe-disk']);
  const finished = await runRounds(rs, {
    runs: 3,
    isTiny: () => false,
    runOnce: async () => {
      stopped = true;
      throw new Error('killed');
    },
    stopped: () => stopped,
    say: () => undefined,
  });
  expect(finished).toBe(false);
  expect(rs[0]!.failed).toBeUndefined();
});
