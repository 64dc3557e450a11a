#!/usr/bin/env node
// Builds man/scpipe.1 from the CLI's own --help output (the yargs
// definitions), so the man page and --help cannot drift. Run after the
// TypeScript build (npm run build).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'dist', 'cli', 'launch.js');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const COMMANDS = ['put', 'get', 'cp', 'serve'];

function help(args) {
  // A fixed width, so the page does not depend on the terminal of the build.
  return execFileSync(process.execPath, [cli, ...args, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '100' } });
}

// Roff-safe text: backslashes, hyphens, and a leading dot or quote.
function esc(text) {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/, '\\&$1');
}

// yargs' help: a usage line, a description, then sections "Name:" whose
// entries are "  flags   description   [type]" with indented continuations.
function parse(text) {
  const lines = text.replace(/\s+$/, '').split('\n');
  const head = [];
  const sections = [];
  let section;
  for (const line of lines) {
    const title = /^([A-Z][A-Za-z ]*):$/.exec(line);
    if (title) {
      section = { title: title[1], entries: [] };
      sections.push(section);
    } else if (!section) {
      head.push(line);
    } else if (/^ {2}\S/.test(line) || /^ {2,6}--\w/.test(line)) {
      // An entry; "      --long" is an option without a short letter.
      const m = /^ +(\S.*?)(?: {2,}(.*))?$/.exec(line);
      section.entries.push({ term: m[1].trim(), text: (m[2] || '').trim() });
    } else if (line.trim() && section.entries.length) {
      const last = section.entries[section.entries.length - 1];
      last.text = `${last.text} ${line.trim()}`.trim();
    }
  }
  for (const s of sections) for (const e of s.entries) e.text = e.text.replace(/\s+/g, ' ');
  // yargs wraps a long example onto a line of its own, which would read here
  // as an example of its own: each example runs scpipe, so keep them short.
  for (const e of sections.find((s) => s.title === 'Examples')?.entries ?? []) {
    if (!/\bscpipe\b/.test(e.term)) throw new Error(`man.js: an example wrapped in --help (shorten it): "${e.term}"`);
  }
  // The usage runs to the first blank line: yargs wraps a long one (put's) at
  // its width, and the page must not run its end into the description.
  const blank = head.findIndex((l) => !l.trim());
  const usage = (blank === -1 ? head : head.slice(0, blank)).map((l) => l.trim()).join(' ');
  return { usage, head: (blank === -1 ? [] : head.slice(blank)).filter((l) => l.trim()), sections };
}

function render(name, text) {
  const { usage, head, sections } = parse(text);
  // Filled, not .nf: put's usage is wider than 80 columns.
  const out = [`.SS ${esc(name)}`, esc(usage), '.PP', ...head.map((l) => esc(l.trim())), ''];
  for (const s of sections) {
    out.push(`.PP\n.B ${esc(s.title)}`);
    for (const e of s.entries) out.push('.TP', `.B ${esc(e.term)}`, esc(e.text || ' '));
  }
  return out.join('\n');
}

const page = [
  `.TH SCPIPE 1 "" "scpipe ${pkg.version}" "User Commands"`,
  '.SH NAME',
  `scpipe \\- ${esc(pkg.description)}`,
  '.SH SYNOPSIS',
  ...COMMANDS.map((c) => `.B scpipe ${c}\n.RI [ options ] \\&...\n.br`),
  '.B scpipe completion\n.br',
  '.SH DESCRIPTION',
  render('scpipe', help([])),
  '.SH COMMANDS',
  ...COMMANDS.map((c) => render(c, help([c]))),
  // Not options, so not in --help: what a cron job or unit file needs to know.
  '.SH ENVIRONMENT',
  '.TP\n.B SCPIPE_PASSWORD',
  esc('the password (or keyboard-interactive answer) to log in to the destination with, where no key works and no terminal can ask (a ProxyJump host is never sent it); it answers only the first hidden keyboard-interactive prompt (a second, such as a 2FA code, is asked on the terminal); never passed to a program scpipe starts'),
  '.TP\n.B SCPIPE_SERVE_PASSWORD',
  esc('serve: with --user, the password that user logs in with'),
  '.TP\n.B SSH_AUTH_SOCK',
  esc('the ssh-agent to take keys from (IdentityAgent overrides it)'),
  '.TP\n.B SSH_ASKPASS, SSH_ASKPASS_REQUIRE',
  esc('as in ssh: the program asked for a passphrase or password where no terminal can ask and DISPLAY (or WAYLAND_DISPLAY) is set, or always with SSH_ASKPASS_REQUIRE=force (prefer: before the terminal, where a display is set; never: not at all); it gets no SCPIPE_PASSWORD'),
  '.TP\n.B TMPDIR',
  esc('where spool files go without --spool-dir (else /tmp)'),
  '.TP\n.B XDG_CACHE_HOME',
  esc('serve: where its default host key is made, in scpipe/ (else ~/.cache/scpipe)'),
  '.TP\n.B HOME',
  esc('where ~/.ssh/config, ~/.ssh/known_hosts, the default keys and serve\'s default host key are looked for, when it is an absolute path (else the passwd entry\'s home)'),
  '.SH EXIT STATUS',
  '0 success; 1 a transfer, remote or local I/O error; 2 a usage error; 255 could not connect, verify the host key, or authenticate, or could not use the SSH set-up (a config file that cannot be read or has a bad line, no HOME or user name); 130, 143 or 129 after SIGINT, SIGTERM or SIGHUP (serve: 0 after SIGTERM, as sshd).',
  '.SH SEE ALSO',
  '.BR scp (1),',
  '.BR ssh (1),',
  '.BR ssh_config (5)',
  '.PP',
  esc('README.md and docs/ in the package (failures.md: what each failure message means and leaves behind).'),
  '',
].join('\n');

fs.mkdirSync(path.join(root, 'man'), { recursive: true });
fs.writeFileSync(path.join(root, 'man', 'scpipe.1'), page);
