// The bench's command line: a case named twice would run twice as often as
// its reference and show as two rows with one median, so it is refused.
import { parseOptions } from '../../../scripts/bench/options';

test('a case named twice in --cases is refused with a message', () => {
  expect(() => parseOptions(['--cases', 'tiny,scp-tiny,tiny'], '/project')).toThrow('--cases names tiny twice');
});

test('distinct cases are taken in the order given', () => {
  expect(parseOptions(['--cases', 'scp-tiny,tiny'], '/project')?.cases).toEqual(['scp-tiny', 'tiny']);
});
