// Each command's --help as a first-time user reads it in an 80-column
// terminal: what the command does under its usage line, and no description
// run into yargs' [string] mark (serve's --user ended "password[string]").
import { execFileSync } from 'node:child_process';
import { CLI } from '../../helpers/cli';

describe.each(['put', 'get', 'cp', 'serve'])('scpipe %s --help', (command) => {
  // Not a terminal: yargs wraps at 80 columns. Run once for the three tests.
  let help: string;
  beforeAll(() => {
    help = execFileSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '' } });
  });
  const text = (): string => help;

  it('fits in 80 columns', () => {
    expect(text().split('\n').filter((line) => line.length > 80)).toEqual([]);
  });

  it('says what the command does between its usage and its options', () => {
    const [usage, said] = text().split('\n\n');
    expect({ usage: usage!.startsWith(`scpipe ${command} [options]`), said: !said!.startsWith('Options:') }).toEqual({ usage: true, said: true });
  });

  it('keeps a space before each [type] and [default] mark', () => {
    expect(text()).not.toMatch(/\S\[(string|boolean|number|array|count|default|required|choices)/);
  });
});

describe('-T (accept any name on download)', () => {
  const help = (command: string): string => execFileSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8' });

  it('is listed for get and cp, not for put, which has nothing to download', () => {
    const lists = (command: string): boolean => /^ {2}-T /m.test(help(command));
    expect({ put: lists('put'), get: lists('get'), cp: lists('cp') }).toEqual({ put: false, get: true, cp: true });
  });
});
