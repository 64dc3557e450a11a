// The command line as yargs parses it with scpipe's configuration: what each
// command's handler is given, and the usage errors, without running anything.
import { parseRemoteSpec } from '../../../lib';
import type { CommandContext } from '../../../cli/context';
import { createParser, main } from '../../../cli/main';
import { allOperands } from '../../../cli/operands';
import { putOperands } from '../../../cli/commands/put-args';
import { connectOptions } from '../../../cli/ssh-options';

const STOP = new Error('parsed');
const idle: CommandContext = { run: async () => undefined, status: 0 };

/** The arguments a command's handler would get for `argv`. */
async function parse(argv: string[]): Promise<Record<string, unknown> & { _: string[]; '--'?: string[] }> {
  let seen: unknown;
  const parser = await createParser(argv, idle, (args) => {
    seen = args;
    throw STOP;
  });
  try {
    await parser.parseAsync(); // throws at once or rejects: yargs runs the middleware synchronously here
    throw new Error('the handler ran');
  } catch (err) {
    if (err !== STOP) throw err;
  }
  return seen as Record<string, unknown> & { _: string[]; '--'?: string[] };
}

/** The exit status and stderr of `scpipe argv` that fails before it connects anywhere. */
async function refused(argv: string[]): Promise<{ status: number; stderr: string }> {
  let stderr = '';
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { status: await main(argv), stderr };
  } finally {
    write.mockRestore();
  }
}

describe('a lone -', () => {
  it('is an operand of cp, as stdin (source) or stdout (destination)', async () => {
    expect(allOperands(await parse(['cp', '-', 'h:f']))).toEqual(['-', 'h:f']);
    expect(allOperands(await parse(['cp', '-r', 'h:f', '-']))).toEqual(['h:f', '-']);
  });
});

describe('--', () => {
  it('ends the options: what follows is an operand even if it starts with a dash', async () => {
    expect(allOperands(await parse(['cp', '-r', '--', '-v', 'h:d']))).toEqual(['-v', 'h:d']);
    expect(allOperands(await parse(['get', '--', 'h:f']))).toEqual(['h:f']);
    const args = await parse(['cp', '--', '-v', 'h:d']);
    expect(args.v).toBe(false);
  });

  it("starts put's input command, whose own options scpipe does not parse", async () => {
    const args = await parse(['put', '-q', 'h:x', '--', 'bash', '-o', 'pipefail', '-c', 'a | b', '-v', '--', '-']);
    expect(putOperands(args)).toEqual({ targets: ['h:x'], command: ['bash', '-o', 'pipefail', '-c', 'a | b', '-v', '--', '-'] });
    expect(args).toMatchObject({ q: true, v: false });
    expect(args.o).toBeUndefined();
  });

  it('without a command, put reads stdin; with nothing before --, the target is the first word after it', async () => {
    expect(putOperands(await parse(['put', 'h:x']))).toEqual({ targets: ['h:x'] });
    expect(putOperands(await parse(['put', 'h:x', '--']))).toEqual({ targets: ['h:x'] });
    expect(putOperands(await parse(['put', '--', 'h:x', 'tar']))).toEqual({ targets: ['h:x'], command: ['tar'] });
  });

  it('several remote targets before -- each get the stream', async () => {
    expect(putOperands(await parse(['put', 'h:x', 'u@g:y']))).toEqual({ targets: ['h:x', 'u@g:y'] });
    expect(putOperands(await parse(['put', 'h:x', 'g:y', '--', 'tar', 'c']))).toEqual({ targets: ['h:x', 'g:y'], command: ['tar', 'c'] });
  });

  // Both would write the one file at once, and the last to finish would win: refused before anything runs.
  it.each([
    [['h:x', 'h:x'], '"h:x" is given twice'],
    [['u@h:d/x', 'g:y', 'u@H:~/d//./x'], '"u@h:d/x" and "u@H:~/d//./x" name the same remote file'],
    [['h:', 'h:~'], '"h:" and "h:~" name the same remote file'],
    [['scp://h:2222/x', 'scp://h:2222/x', '--', 'tar', 'c'], '"scp://h:2222/x" is given twice'],
  ])('refuses targets %j that name one file twice', async (targets, said) => {
    const argv = ['put', ...targets];
    expect(() => putOperands({ _: ['put', ...targets.filter((t) => t.includes(':'))], '--': targets.filter((t) => !t.includes(':')) })).toThrow(
      `${said}: each target gets the whole stream at once, so give each file once`,
    );
    expect(await refused(argv)).toEqual({ status: 2, stderr: `scpipe: ${said}: each target gets the whole stream at once, so give each file once\n` });
  });

  it('takes targets that differ in user, host, port or path', async () => {
    const targets = ['h:x', 'u@h:x', 'g:x', 'scp://h:2222/x', 'h:/x', 'h:x/', 'h:y'];
    expect(putOperands(await parse(['put', ...targets]))).toEqual({ targets });
  });

  it('options may follow the operands before it', async () => {
    const args = await parse(['get', 'h:f', '--output', 'out', '-p']);
    expect(allOperands(args)).toEqual(['h:f']);
    expect(args).toMatchObject({ output: 'out', p: true });
  });
});

describe('a repeated option', () => {
  it('-i and -o add up, one value each: the target after -o stays the target', async () => {
    const args = await parse(['put', '-i', 'k1', '-o', 'Port=1', '--identity', 'k2', '-o', 'User=x', 'h:x']);
    expect(args).toMatchObject({ i: ['k1', 'k2'], identity: ['k1', 'k2'], o: ['Port=1', 'User=x'] });
    expect(putOperands(args)).toEqual({ targets: ['h:x'] });
  });

  it('a single-valued option takes its last value', async () => {
    const args = await parse(['put', '--memory', '1K', '-P', '1', '--spool-dir', '/a', '-v', '--memory', '2K', '--port', '22', '--spool-dir', '/b', '-v', 'h:x']);
    expect(args).toMatchObject({ memory: '2K', P: '22', port: '22', 'spool-dir': '/b', v: true });
    expect(await parse(['get', '--quote', 'none', '--quote', 'double', '--output', 'a', '--output', 'b', 'h:f'])).toMatchObject({ quote: 'double', output: 'b' });
    expect(await parse(['serve', '--root', '/a', '--root', '/b', '--addr', ':1', '--addr', ':2'])).toMatchObject({ root: '/b', addr: ':2' });
  });
});

describe('usage errors (exit 2)', () => {
  const HINT = "scpipe: try 'scpipe --help' or 'scpipe <command> --help'\n";

  it.each([
    [['put', '-P', 'h:f'], '-P takes a port number, and took "h:f": give -P PORT before the target (-P 2222 host:path)'],
    [['get', '-P', 'h:f'], '-P takes a port number, and took "h:f": give -P PORT before the target (-P 2222 host:path)'],
    // scp's habits: a local destination, a second remote file, -p for the port, -r.
    [['get', 'h:f', 'extra'], 'get writes to stdout, not to "extra": give --output "extra" or redirect with > (scpipe cp copies as scp does)'],
    [['get', 'h:a', 'h:b'], 'get reads one remote file, got "h:a" "h:b": run get once for each, or copy several with scpipe cp SRC... DIR'],
    [['get', '-p', '2222', 'h:f'], 'unexpected argument "2222": -p keeps times and modes, as in scp; give the port with -P 2222'],
    [['get', '-r', 'h:f'], 'Unknown argument: -r (get moves one stream; to copy a directory tree as scp -r does, use scpipe cp -r)'],
    [['put', '-r', 'h:f'], 'Unknown argument: -r (put moves one stream; to copy a directory tree as scp -r does, use scpipe cp -r)'],
    [['get', '--', 'h:f', 'x', 'y'], 'Unknown arguments: x, y'],
    [['serve', '--root', '/', 'extra'], 'Unknown argument: extra'],
    [['serve', '--root', '/', '--', 'extra'], 'Unknown argument: extra'],
    [['cp', '--bogus', 'a', 'h:'], 'Unknown argument: --bogus'],
    [['put', '--part-szie', '1M', 'h:f'], 'Unknown argument: --part-szie (did you mean --part-size?)'], // not also "partSzie"
    // A misspelt option or command is named with the one meant; the bare message sent the user through --help.
    [['get', '--ouput', 'f', 'h:f'], 'Unknown argument: --ouput (did you mean --output?)'],
    [['put', '--partsize', '1M', 'h:f'], 'Unknown argument: --partsize (did you mean --part-size?)'],
    [['cp', '--recursiv', 'a', 'h:'], 'Unknown argument: --recursiv (did you mean --recursive?)'],
    [['put', '--frobnicate', 'h:f'], 'Unknown argument: --frobnicate'],
    // The start of an option is taken for it, not for the option one edit away (--part: not --port).
    [['put', '--part', '1M', 'h:f'], 'Unknown argument: --part (did you mean --part-size?)'],
    [['get', '--out=f', 'h:f'], 'Unknown argument: --out (did you mean --output?)'],
    [['put', '--pa', 'h:f'], 'Unknown argument: --pa'], // --part-size or --parallel: not said which
    [['puy', 'h:f'], 'unknown command "puy" (did you mean put?): the commands are put, get, cp, serve, completion'],
    // Two letters swapped are one typo, in a short word too (a plain Levenshtein distance counts two).
    [['gte', 'h:f'], 'unknown command "gte" (did you mean get?): the commands are put, get, cp, serve, completion'],
    [['vault:f'], '"vault:f" is a target, not a command: name the command first (scpipe put vault:f, scpipe get vault:f); commands: put, get, cp, serve, completion'],
    // yargs checks --root before it finds --rot unknown: "Missing required argument: root".
    [['serve', '--rot', '/srv'], 'Missing required argument: --root (--rot is not an option: did you mean --root?)'],
    [['serve'], 'Missing required argument: --root'],
    [['put', '--part-szie', '1M', '--no-clober', 'h:f'], 'Unknown arguments: --part-szie, --no-clober'],
    [['frobnicate'], 'unknown command "frobnicate": the commands are put, get, cp, serve, completion'],
    // An option is named with its dashes, not taken for an operand: "x" was -x, not the file x.
    [['get', '-x', 'x', 'h:f'], 'Unknown argument: -x'],
    [['put', '-qZ', 'h:f'], 'Unknown argument: -Z'],
    [['put', '--memry=1G', 'h:f'], 'Unknown argument: --memry (did you mean --memory?)'],
    // Nothing before -- names a command: nothing was run, and the exit was 0.
    [['--', 'put', 'h:f'], 'name a command before --: put, get, cp, serve, completion'],
    [['-v', '--', 'puy'], 'name a command before --: put, get, cp, serve, completion'],
    [['get'], 'name the remote file to read: [user@]host:path'],
    [['put'], 'name where to store the stream: [user@]host:path'],
    [['cp'], 'name what to copy and where: SRC... DEST, one side [user@]host:path'],
    [['put', '-o'], 'Not enough arguments following: -o'],
    // A value outside an option's choices: one line, as every usage error, not yargs' block.
    [['put', '--quote', 'x', 'h:f'], '--quote: "x" is not one of posix, double, none'],
    [['put', '--protocol', 'ftp', 'h:f'], '--protocol: "ftp" is not one of auto, scp, sftp'],
    [['get', '--transport=\x1b[2J', 'h:f'], '--transport: "\\x1b[2J" is not one of ssh2, openssh'],
    [['cp', '--protocol', 'ftp', '--quote', 'x', 'a', 'h:'], '--protocol: "ftp" is not one of auto, scp, sftp; --quote: "x" is not one of posix, double, none'],
    // A value given to a flag was taken as false unless it was "true": --json=1 turned --json off, unsaid.
    [['put', '--json=garbage', 'h:f'], '--json takes no value, and took "garbage"'],
    [['put', '--json=1', 'h:f'], '--json takes no value, and took "1"'],
    [['get', '--checksum=yes', 'h:f'], '--checksum takes no value, and took "yes"'],
    [['put', '--verify=', 'h:f'], '--verify takes no value, and took ""'],
    [['put', '--no-clobber=x', 'h:f'], '--no-clobber takes no value, and took "x"'],
    [['cp', '--recursive=x', 'a', 'h:'], '--recursive takes no value, and took "x"'],
    [['cp', '-r=x', 'a', 'h:'], '-r takes no value, and took "x"'],
    [['put', '-q=\x1b[2J', 'h:f'], '-q takes no value, and took "\\x1b[2J"'],
    [['serve', '--root', '/', '--read-only=no'], '--read-only takes no value, and took "no"'],
    // yargs takes an option by its camelCase name too, and gives a group of letters' value to the last one.
    [['serve', '--root', '/', '--appendOnly=1'], '--appendOnly takes no value, and took "1"'],
    [['put', '--noClobber=yes', 'h:f'], '--noClobber takes no value, and took "yes"'],
    [['put', '-vq=1', 'h:f'], '-q takes no value, and took "1"'],
    [['cp', '-pr=x', 'a', 'h:'], '-r takes no value, and took "x"'],
    // A digit is a letter of its own: -4=1 and -6=yes turned the address family off, unsaid.
    [['cp', '-4=1', 'a', 'h:'], '-4 takes no value, and took "1"'],
    [['put', '-q6=yes', 'h:f'], '-6 takes no value, and took "yes"'],
  ])('%j: %s', async (argv, message) => {
    expect(await refused(argv)).toEqual({ status: 2, stderr: `scpipe: ${message}\n${HINT}` });
  });

  it('a flag given true or false as its value is taken as before; after -- a word is not an option', async () => {
    expect(await parse(['put', '--json=false', '--verify=true', 'h:f'])).toMatchObject({ json: false, verify: true });
    expect(await parse(['put', '--noClobber=true', '-vq=false', 'h:f'])).toMatchObject({ 'no-clobber': true, quiet: false });
    expect(await parse(['cp', '-4=true', 'a', 'h:'])).toMatchObject({ 4: true });
    expect(await parse(['put', 'h:f', '--', 'cmd', '--json=x'])).toMatchObject({ json: false, '--': ['cmd', '--json=x'] });
  });

  // A first try at a target: no colon (so no path), or an IPv6 address without brackets.
  it.each([
    [['put', 'vault'], 'put needs a remote [user@]host:path, got "vault": the path goes after a colon (vault:PATH)'],
    [['get', 'backup@vault'], 'get needs a remote [user@]host:path, got "backup@vault": the path goes after a colon (backup@vault:PATH)'],
    [['put', '::1:f'], 'put needs a remote [user@]host:path, got "::1:f": an IPv6 address goes in brackets ([ADDRESS]:PATH)'],
    [['put', '/tmp/f'], 'put needs a remote [user@]host:path, got "/tmp/f"'],
  ])('a target that is not one, %j, says what it lacks', async (argv, message) => {
    expect(await refused(argv)).toEqual({ status: 2, stderr: `scpipe: ${message}\n` });
  });

  it("put's second word before -- is refused, escaped, pointing at --", async () => {
    expect(await refused(['put', 'h:x', 'tar\x1b[2J'])).toEqual({
      status: 2,
      stderr: 'scpipe: unexpected argument "tar\\x1b[2J": put takes remote targets ([user@]host:path); to upload a command\'s output, give the command after --\n',
    });
  });

  it("put's -p PORT (scp's port is -P) is named, not taken for the target", async () => {
    expect(await refused(['put', '-p', '2222', 'h:f'])).toEqual({
      status: 2,
      stderr: 'scpipe: unexpected argument "2222": -p keeps times and modes, as in scp; give the port with -P 2222\n',
    });
  });

  it('a target without a colon is shown escaped', async () => {
    expect(await refused(['put', 'vault\x1b[2J'])).toMatchObject({ status: 2, stderr: expect.stringContaining('got "vault\\x1b[2J"') });
  });

  it("an option of scpipe's after -- is named, not run as a command", async () => {
    expect(await refused(['put', 'h:f', '--', '--part-size', '1M'])).toEqual({
      status: 2,
      stderr: 'scpipe: "--part-size" after -- is taken as the command to run: give scpipe\'s options before --, the command after it\n',
    });
  });

  it("put FILE host:path (scp's order) and put host:path FILE point at < FILE and cp", async () => {
    const hint = 'unexpected argument "package.json": put sends its stdin, not a named file: scpipe put h:f < package.json (or scpipe cp package.json h:f, as scp)';
    expect(await refused(['put', 'package.json', 'h:f'])).toEqual({ status: 2, stderr: `scpipe: ${hint}\n` });
    expect(await refused(['put', 'h:f', 'package.json'])).toEqual({ status: 2, stderr: `scpipe: ${hint}\n` });
  });

  it('cp needs a source and a destination', async () => {
    expect(await refused(['cp', '-'])).toEqual({ status: 2, stderr: 'scpipe: cp needs at least one source and a destination\n' });
  });
});

describe('-P', () => {
  const base = { q: false, v: false, quote: 'posix' as const, 'scp-path': 'scp', transport: 'ssh2' as const };
  const spec = parseRemoteSpec('host:f')!;

  it.each([['22', 22], ['1', 1], ['65535', 65535], ['0022', 22]])('takes %j as port %d', (text, port) => {
    expect(connectOptions(spec, { ...base, P: text }).port).toBe(port);
  });

  it.each(['0', '65536', '', '22x', '-1', '1e3', ' 22', '2\x1b[2J'])('refuses %j with ERR_USAGE', (text) => {
    expect(() => connectOptions(spec, { ...base, P: text })).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });

  it('escapes what it shows', () => {
    expect(() => connectOptions(spec, { ...base, P: '2\x1b[2J' })).toThrow('bad port "2\\x1b[2J"');
  });
});
