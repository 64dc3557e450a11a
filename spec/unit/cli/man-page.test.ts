// The man page is made from --help (scripts/man.js at build time): every
// option --help shows for a command is on the page.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const CLI = resolve(ROOT, 'dist/cli/launch.js');

describe('man/scpipe.1', () => {
  const page = (() => {
    execFileSync(process.execPath, [resolve(ROOT, 'scripts/man.js')]);
    return readFileSync(resolve(ROOT, 'man/scpipe.1'), 'utf8');
  })();

  it.each(['put', 'get', 'cp', 'serve'])('has every option of %s --help', (command) => {
    const help = execFileSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8' });
    const flags = [...help.matchAll(/^ {2,6}(-\S+(?:, --\S+)?)/gm)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(5);
    for (const flag of flags) expect(page).toContain(`.B ${flag.replace(/-/g, '\\-')}`);
    expect(page).toContain(`.SS ${command}`);
    // The words of each description too, as --help has them (whitespace aside).
    const flat = (text: string) => text.replace(/\\-/g, '-').replace(/\\e/g, '\\').replace(/\s+/g, ' ');
    const described = [...help.matchAll(/^ {2,6}-\S+(?:, --\S+)? {2,}(.*(?:\n {10,}\S.*)*)/gm)].map((m) => flat(m[1]!));
    expect(described.length).toBe(flags.length);
    for (const text of described) expect(flat(page)).toContain(text);
  });

  it('is what package.json installs as the man page, and goes into the package', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { man: string[]; files: string[] };
    expect(pkg.man).toEqual(['./man/scpipe.1']);
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as [{ files: { path: string }[] }];
    expect(packed[0].files.map((f) => f.path)).toContain('man/scpipe.1');
  });

  // yargs wraps put's usage in --help; the page took its first line as the
  // usage and ran "[arg...]]" into the description.
  it('gives each usage whole, apart from the description', () => {
    expect(page).toContain('.SS put\nscpipe put [options] [user@]host:path [[user@]host:path...] [\\-\\- command [arg...]]\n.PP\nStreams stdin');
  });

  // scpipe speaks SFTP too (where the host allows it): the name and --help say so.
  it('names both protocols in NAME and in the description', () => {
    expect(page).toMatch(/^\.SH NAME\nscpipe \\- .*SFTP/m);
    expect(page).toMatch(/^\.SS scpipe\n(?:.*\n){1,4}Move byte streams over SCP or SFTP/m);
  });

  it('has every command in its SYNOPSIS, completion too', () => {
    const synopsis = page.split('.SH SYNOPSIS\n')[1]!.split('.SH ')[0]!;
    for (const c of ['put', 'get', 'cp', 'serve', 'completion']) expect(synopsis).toContain(`.B scpipe ${c}\n`);
  });

  it('is a man(7) page with the exit statuses', () => {
    expect(page.startsWith('.TH SCPIPE 1 ')).toBe(true);
    expect(page).toMatch(/\.SH EXIT STATUS\n0 success;.*255 could not connect/);
    // The README's table: SIGHUP (the terminal or SSH session closed) too.
    expect(page).toMatch(/\.SH EXIT STATUS\n.*130, 143 or 129 after SIGINT, SIGTERM or SIGHUP/);
  });

  // Environment variables are no options, so --help cannot show them; a cron
  // job's author reading `man scpipe` found no way to give a password.
  it('names the environment variables scpipe reads', () => {
    const env = page.split('.SH ENVIRONMENT\n')[1]?.split('.SH ')[0] ?? '';
    for (const name of ['SCPIPE_PASSWORD', 'SCPIPE_SERVE_PASSWORD', 'SSH_AUTH_SOCK', 'TMPDIR', 'HOME', 'XDG_CACHE_HOME']) expect(env).toContain(`.B ${name}\n`);
  });

  // Each example is one entry, whole: none wrapped into a second "example".
  it.each(['put', 'get', 'cp', 'serve'])('has the examples of %s whole', (command) => {
    const section = page.split(/^\.SS /m).find((s) => s.startsWith(`${command}\n`))!.split(/^\.SH /m)[0]!;
    const examples = section.split('.B Examples\n')[1]!.split('.TP\n.B ').slice(1).map((e) => e.split('\n')[0]!);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(example).toMatch(/\bscpipe\b/);
  });
});
