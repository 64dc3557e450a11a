// The bench's results: ratios of medians, and a note for a ratio it cannot give.
import { median, missingReferences, summarize } from '../../../scripts/bench/report';

test('the median of an odd and an even number of runs, whatever their order', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
});

test('a case is compared with its reference as a ratio of medians', () => {
  const run = (name: string, seconds: number[]) => ({ name, seconds, peakMiB: [], clientCpu: seconds, otherCpu: seconds });
  const rows = summarize([run('pipe-disk', [3, 9, 4]), run('manual-two-pass', [2, 2, 100])], 1e6);
  expect(rows[0]!.vsReference).toBe(2);
  expect(rows[0]!.mbPerSecond).toBe(0.25);
});

test('a case run without its reference is named, with the case to add', () => {
  expect(missingReferences(['pipe-parts', 'split-scp', 'tiny', 'scp-tiny'])).toEqual([
    'note: no ratio for pipe-parts: its reference manual-two-pass did not run (add it to --cases)',
  ]);
});
