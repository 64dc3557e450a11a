import { beforeEnd, cameAfterEnd, protectArgs, restoreArg, unmarkMessage } from '../../../cli/stdio-arg';
import { inputCommand } from '../../../cli/commands/put';

describe('the words yargs must take as they are', () => {
  it('marks a lone - and every word after the first --, and drops that --', () => {
    const argv = ['cp', '-r', '-', 'host:d', '--', '-v', '--', '-'];
    const marked = protectArgs(argv);
    expect(marked).toHaveLength(7);
    expect(marked.slice(0, 2)).toEqual(['cp', '-r']);
    expect(marked.map(restoreArg)).toEqual(['cp', '-r', '-', 'host:d', '-v', '--', '-']);
    expect(marked.map(cameAfterEnd)).toEqual([false, false, false, false, true, true, true]);
    expect(marked.every((w) => !w.startsWith('-') || w === '-r')).toBe(true);
  });

  it('leaves argv without - or -- alone, and finds the command before --', () => {
    expect(protectArgs(['put', '-v', 'h:f'])).toEqual(['put', '-v', 'h:f']);
    expect(beforeEnd(['--', 'put'])).toEqual([]);
    expect(beforeEnd(['put', 'h:f', '--', 'get'])).toEqual(['put', 'h:f']);
  });

  it("takes the marks off yargs' messages", () => {
    expect(unmarkMessage(`Unknown arguments: ${protectArgs(['--', 'x', '-'])[1]!}, ${protectArgs(['-'])[0]!}`)).toBe('Unknown arguments: -, -');
  });
});

describe("put's input command", () => {
  it('is the words after --', () => {
    expect(inputCommand(protectArgs(['--', 'bash', '-o', 'pipefail', '-c', 'a | b']))).toEqual(['bash', '-o', 'pipefail', '-c', 'a | b']);
    expect(inputCommand([])).toBeUndefined();
    expect(inputCommand(undefined)).toBeUndefined();
  });

  it('refuses a word that was not after --, escaped', () => {
    expect(() => inputCommand(['tar\x1b[2J'])).toThrow(
      expect.objectContaining({
        code: 'ERR_USAGE',
        message: 'unexpected argument "tar\\x1b[2J": put takes one target; to upload a command\'s output, give the command after --',
      }),
    );
  });
});
