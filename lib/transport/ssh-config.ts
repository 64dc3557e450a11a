// Resolves the connection settings for one host the way `ssh -G` would, for
// the options scpipe supports: the command line first (-P, user@, -i, -o),
// then ~/.ssh/config (or -F FILE), then /etc/ssh/ssh_config; the first value
// obtained wins. Host/Match blocks and Include are evaluated here over the
// syntax tree from the `ssh-config` package.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse as parseConfig } from 'ssh-config';
import { LineType, type Line } from 'ssh-config';
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { hostPath } from '../util/byte-text';
import { childEnv } from '../util/child-env';
import { outOfDescriptors } from '../util/limits';
import { homeDirectory, localUsername, noUserName } from '../util/home';
import { fnmatch } from '../protocol/glob';
import { matchPatternList } from './wildcard';
import { expand, hostnameOf, setValue, splitArgs, tokensFor, type State } from './ssh-config-values';
import { buildResolvedHost, type ResolvedHost } from './resolved-host';
import { checkCommandLineNames } from './command-line-names';
import { expandTilde } from '../util/user-home';

export type { ResolvedHost } from './resolved-host';

/** What the CLI collected for the connection. */
export interface SshOptions {
  /** -F FILE: read only this file (not ~/.ssh/config, not the system file); 'none' reads nothing. */
  configFile?: string;
  /** -o 'Key=Value' / 'Key Value' (repeatable); keys are case-insensitive. */
  options?: string[];
  /** -P PORT; -o Port beats it, as scp passes it to ssh as -p after the -o options, and ssh keeps the first. */
  port?: number;
  /** -i FILE (repeatable); tried before any IdentityFile from -o or the config. */
  identityFiles?: string[];
  /** The user from user@host; -o User beats it, as scp passes it to ssh as -l after the -o options. */
  user?: string;
  /** Home directory for ~, %d and the default files (tests); default homeDirectory(). */
  homeDir?: string;
  /** System-wide config read after the user's; default /etc/ssh/ssh_config; 'none' skips it. */
  systemConfigFile?: string;
}

const NO_ARGUMENT = new Set(['all', 'canonical', 'final']);

// Evaluates one `Match` line's words in their order (readconf.c
// match_cfg_line), stopping at the first that fails, as ssh does: a later
// `exec` is then not run. Not the parser's criteria object, which keeps one
// value per criterion: `Match exec A exec B` lost A there.
function matchCriteria(words: string[], st: State, file: string): boolean {
  for (let i = 0; i < words.length; i++) {
    const rawKey = words[i];
    const negate = rawKey.startsWith('!');
    const key = (negate ? rawKey.slice(1) : rawKey).toLowerCase();
    const arg = NO_ARGUMENT.has(key) ? '' : words[++i];
    if (negate && NO_ARGUMENT.has(key) && words[i + 1] === NEGATED_MARK) i++; // readable() gave it one
    if (arg === undefined) throw new ScpipeError('ERR_CONFIG', `${escapeForTerminal(file)}: Match ${escapeForTerminal(rawKey)}: missing argument`, { path: file });
    let hit: boolean;
    switch (key) {
      case 'all':
        // ssh refuses the file where words follow `all`, rather than read `Match all exec X` one way or the other.
        if (i < words.length - 1) throw new ScpipeError('ERR_CONFIG', `${escapeForTerminal(file)}: Match: '${escapeForTerminal(rawKey)}' cannot be combined with other Match attributes`, { path: file });
        hit = true;
        break;
      case 'final': st.wantFinal = true; hit = st.final; break;
      case 'canonical': hit = st.final; break;
      case 'host': hit = matchPatternList(hostnameOf(st), arg) === 1; break;
      case 'originalhost': hit = matchPatternList(st.alias, arg) === 1; break;
      case 'user': hit = matchPatternList((st.values.get('User') as string | undefined) ?? st.localUser, arg) === 1; break;
      case 'localuser': hit = matchPatternList(st.localUser, arg) === 1; break;
      case 'tagged': hit = matchPatternList((st.values.get('Tag') as string | undefined) ?? '', arg) === 1; break;
      case 'exec': {
        // As ssh: run through the shell; never hand it our stdin (the upload data),
        // nor our secrets (SCPIPE_PASSWORD), as no program scpipe starts gets them.
        const cmd = expand(arg, st, tokensFor(st), 'Match exec');
        hit = spawnSync('/bin/sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'inherit'], env: childEnv() }).status === 0;
        break;
      }
      default:
        // Neither applying nor skipping its block is safe (it may set StrictHostKeyChecking): stop, naming the file.
        throw new ScpipeError('ERR_CONFIG', `${escapeForTerminal(file)}: unsupported Match criterion ${escapeForTerminal(JSON.stringify(rawKey))}: the built-in ssh2 transport cannot evaluate it, so it neither applies nor skips that block; use --transport openssh, whose ssh evaluates it`, { path: file });
    }
    if (hit === negate) return false;
  }
  return true;
}

// The parser takes `!all`, `!canonical` and `!final` for criteria with an
// argument, and refuses `Match !all` ("Missing value"); ssh takes them with
// none (`Match !all` never matches). Each is given a NUL word on a Match
// line, which no config text holds, and which matchCriteria() skips.
const NEGATED_MARK = '\0';
function readable(text: string): string {
  return text.replace(/^([ \t]*match[ \t]+)(.*)$/gim, (_line, head: string, rest: string) =>
    head + rest.replace(/"[^"]*"|(?<=^|[ \t])!(?:all|canonical|final)(?=[ \t]|$)/gi, (w) => (w.startsWith('"') ? w : `${w} ${NEGATED_MARK}`)));
}

/** Expands an Include argument into existing files (glob in every path segment). */
function globFiles(pattern: string): string[] {
  let paths = [pattern.startsWith('/') ? '/' : ''];
  for (const seg of pattern.split('/').filter(Boolean)) {
    if (!/[*?[]/.test(seg)) {
      paths = paths.map((p) => path.join(p, seg));
      continue;
    }
    // glob(3) matches each segment with fnmatch, and a wildcard does not match a leading dot.
    paths = paths.flatMap((dir) => {
      let names: string[] = [];
      try { names = fs.readdirSync(dir || '.').sort(); } catch { /* not a directory */ }
      return names.filter((n) => fnmatch(seg, n) && (seg.startsWith('.') || !n.startsWith('.'))).map((n) => path.join(dir, n));
    });
  }
  return paths.filter((p) => { try { return fs.statSync(p).isFile(); } catch { return false; } });
}

function includeHome(arg: string, home: string): string | undefined {
  try {
    return expandTilde(arg, home, 'Include');
  } catch {
    return undefined;
  }
}

function valueArgs(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v: { val: string }) => v.val);
  return typeof value === 'string' && value !== '' ? [value] : [];
}

// ssh takes a ProxyCommand as the rest of its line, quotes and spaces as
// written, for the shell to read (readconf.c parse_command): the parser's
// words are put back together, their quotes with them.
function verbatim(value: unknown): string[] {
  if (!Array.isArray(value)) return valueArgs(value);
  const words = value as Array<{ val: string; separator?: string; quoted?: boolean }>;
  const text = words.map((w, i) => `${i === 0 ? '' : w.separator ?? ' '}${w.quoted ? `"${w.val}"` : w.val}`).join('');
  return text === '' ? [] : [text];
}

/** Walks config lines, applying active ones; Include recurses with the same activity. */
function evaluate(lines: Line[], st: State, file: string, baseDir: string, depth: number): void {
  for (const line of lines) {
    if (line.type !== LineType.DIRECTIVE) continue;
    const param = line.param.toLowerCase();
    const args = param === 'proxycommand' ? verbatim(line.value) : valueArgs(line.value);
    if ('config' in line) {
      // Host takes its patterns as separate words (a comma in one is literal), and
      // compares case and all, as readconf.c match_pattern(): `Host web` is not `WEB`.
      const active = param === 'host'
        ? matchPatternList(st.alias, args, { ignoreCase: false }) === 1
        : matchCriteria(args, st, file);
      if (active) evaluate(line.config, st, file, baseDir, depth);
    } else if (param === 'include') {
      if (depth >= 16) throw new ScpipeError('ERR_CONFIG', `${escapeForTerminal(file)}: Include nested too deeply`);
      for (const arg of args) {
        // ssh globs with GLOB_TILDE: `~name/…` is that user's home, and no such user matches nothing.
        const abs = arg.startsWith('~') ? includeHome(arg, st.home) : path.resolve(baseDir, arg);
        if (abs === undefined) continue;
        // ssh checks an included file as it checks ~/.ssh/config, even under -F.
        for (const inc of globFiles(abs)) readConfig(inc, st, baseDir, depth + 1, true);
      }
    } else {
      setValue(st, line.param, args, file, 'ERR_CONFIG');
    }
  }
}

/** Reads and evaluates one config file; returns false when it does not exist. */
function readConfig(file: string, st: State, baseDir: string, depth: number, checkPerm: boolean): boolean {
  let text: string;
  try {
    if (checkPerm) {
      const s = fs.statSync(hostPath(file));
      const uid = process.getuid?.();
      if (uid !== undefined && ((s.uid !== 0 && s.uid !== uid) || (s.mode & 0o022) !== 0)) {
        throw new ScpipeError('ERR_CONFIG', `Bad owner or permissions on ${escapeForTerminal(file)}`, { path: file });
      }
    }
    text = fs.readFileSync(hostPath(file), 'utf8');
  } catch (err) {
    if (err instanceof ScpipeError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new ScpipeError('ERR_CONFIG', `cannot read ${escapeForTerminal(file)}: ${outOfDescriptors(err) ?? (err as Error).message}`, { path: file, cause: err });
  }
  let lines: Line[];
  try {
    lines = parseConfig(readable(text));
  } catch (err) {
    throw new ScpipeError('ERR_CONFIG', `${escapeForTerminal(file)}: ${escapeForTerminal((err as Error).message)}`, { path: file, cause: err });
  }
  evaluate(lines, st, file, baseDir, depth);
  return true;
}

function applyOption(st: State, option: string): void {
  const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(?:=\s*|\s+)(.*?)\s*$/.exec(option);
  if (!m) throw new ScpipeError('ERR_USAGE', `-o ${JSON.stringify(option)}: give Key=Value (an ssh_config keyword)`);
  setValue(st, m[1], m[1].toLowerCase() === 'proxycommand' ? [m[2]] : splitArgs(m[2]), '-o', 'ERR_USAGE');
}

// Resolves the effective settings for `alias` (what the user typed as host),
// like `ssh -G alias`. Throws ERR_USAGE for a bad or unsupported -o, ERR_CONFIG
// for a missing -F file or a bad config file.
export async function resolveHost(alias: string, opts: SshOptions): Promise<ResolvedHost> {
  const home = opts.homeDir ?? homeDirectory();
  const st: State = { alias, home, localUser: localUsername(), values: new Map(), other: new Map(), identity: [], final: false, wantFinal: false };
  st.identity.push(...(opts.identityFiles ?? []));
  for (const o of opts.options ?? []) applyOption(st, o);
  // After -o, as scp hands them to ssh (-p, -l), whose first value wins.
  if (opts.port !== undefined) setValue(st, 'Port', [String(opts.port)], '-P', 'ERR_USAGE');
  if (opts.user !== undefined) setValue(st, 'User', [opts.user], 'user@host', 'ERR_USAGE');
  checkCommandLineNames(alias, st.values.get('User') as string | undefined);
  const sshDir = path.join(home, '.ssh');
  const readAll = (): void => {
    if (opts.configFile !== undefined) {
      if (opts.configFile !== 'none' && !readConfig(opts.configFile, st, sshDir, 0, false)) {
        throw new ScpipeError('ERR_CONFIG', `cannot read config file ${escapeForTerminal(opts.configFile)}: no such file`, { path: opts.configFile });
      }
      return;
    }
    readConfig(path.join(sshDir, 'config'), st, sshDir, 0, true);
    const sys = opts.systemConfigFile ?? '/etc/ssh/ssh_config';
    if (sys !== 'none') readConfig(sys, st, path.dirname(sys), 0, false);
  };
  readAll();
  if (st.wantFinal) { // `Match final`: a second pass that fills in what is still unset
    st.final = true; // (repeated IdentityFiles are de-duplicated below, as ssh does)
    readAll();
  }
  const resolved = buildResolvedHost(st, alias, sshDir);
  if (resolved.user === '') throw noUserName(alias); // ssh: "No user exists for uid N"
  return resolved;
}
