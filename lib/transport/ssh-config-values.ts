// The values of the ssh_config keys scpipe supports, and the state they are
// collected into: parsing (`Port=abc` is refused), first-value-wins, and the
// ~ / %token / ${ENV} expansion ssh applies to file names (ssh_config(5)).
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import * as os from 'node:os';
import { ScpipeError } from '../errors';
import { matchPatternList } from './wildcard';
import { OTHER_KEYWORDS, FILE_ONLY } from './ssh-keywords';
import { lowerAscii } from '../util/ascii-case';

type Kind = 'str' | 'port' | 'bool' | 'strict' | 'time' | 'int' | 'list' | 'files' | 'words' | 'loglevel' | 'family';
/** The supported keys, lower-cased, with their canonical name and kind. */
export const KEYS: Record<string, [name: string, kind: Kind]> = {
  hostname: ['HostName', 'str'],
  user: ['User', 'str'],
  port: ['Port', 'port'],
  identityfile: ['IdentityFile', 'files'],
  identitiesonly: ['IdentitiesOnly', 'bool'],
  userknownhostsfile: ['UserKnownHostsFile', 'files'],
  globalknownhostsfile: ['GlobalKnownHostsFile', 'files'],
  stricthostkeychecking: ['StrictHostKeyChecking', 'strict'],
  hostkeyalias: ['HostKeyAlias', 'str'],
  connecttimeout: ['ConnectTimeout', 'time'],
  serveraliveinterval: ['ServerAliveInterval', 'time'],
  serveralivecountmax: ['ServerAliveCountMax', 'int'],
  batchmode: ['BatchMode', 'bool'],
  preferredauthentications: ['PreferredAuthentications', 'list'],
  passwordauthentication: ['PasswordAuthentication', 'bool'],
  pubkeyauthentication: ['PubkeyAuthentication', 'bool'],
  kbdinteractiveauthentication: ['KbdInteractiveAuthentication', 'bool'],
  challengeresponseauthentication: ['KbdInteractiveAuthentication', 'bool'], // old alias
  ciphers: ['Ciphers', 'str'], // lists with +, -, ^: see algorithms.ts
  macs: ['MACs', 'str'],
  kexalgorithms: ['KexAlgorithms', 'str'],
  hostkeyalgorithms: ['HostKeyAlgorithms', 'str'],
  identityfile2: ['IdentityFile', 'files'], // obsolete alias
  certificatefile: ['CertificateFile', 'files'],
  dsaauthentication: ['PubkeyAuthentication', 'bool'], // old alias
  skeyauthentication: ['KbdInteractiveAuthentication', 'bool'], // old alias
  tisauthentication: ['KbdInteractiveAuthentication', 'bool'], // old alias
  loglevel: ['LogLevel', 'loglevel'],
  compression: ['Compression', 'bool'],
  proxyjump: ['ProxyJump', 'str'],
  proxycommand: ['ProxyCommand', 'str'],
  addressfamily: ['AddressFamily', 'family'],
  bindaddress: ['BindAddress', 'str'],
  connectionattempts: ['ConnectionAttempts', 'int'],
  identityagent: ['IdentityAgent', 'str'],
  checkhostip: ['CheckHostIP', 'bool'],
  hashknownhosts: ['HashKnownHosts', 'bool'],
  numberofpasswordprompts: ['NumberOfPasswordPrompts', 'int'],
  sendenv: ['SendEnv', 'words'], // accumulates, as in ssh
  setenv: ['SetEnv', 'words'],
  tcpkeepalive: ['TCPKeepAlive', 'bool'],
  keepalive: ['TCPKeepAlive', 'bool'], // obsolete alias
  tag: ['Tag', 'str'],
  ignoreunknown: ['IgnoreUnknown', 'str'],
  refuseconnection: ['RefuseConnection', 'bool'],
};
const LOG_LEVELS = ['QUIET', 'FATAL', 'ERROR', 'INFO', 'VERBOSE', 'DEBUG', 'DEBUG1', 'DEBUG2', 'DEBUG3'];
const BOOLS: Record<string, boolean> = { yes: true, true: true, no: false, false: false };

/** Parses a value of `kind`; returns undefined when it is invalid. */
function parseValue(kind: Kind, args: string[]): unknown {
  const v = args.join(' ');
  switch (kind) {
    case 'str':
      return v;
    case 'files':
    case 'words':
      return args;
    case 'loglevel':
      return LOG_LEVELS.find((l) => l === v.toUpperCase());
    case 'family':
      return /^(any|inet|inet6)$/i.test(v) ? v.toLowerCase() : undefined;
    case 'list':
      return v.split(',').map((s) => s.trim()).filter(Boolean);
    case 'bool': // PubkeyAuthentication also takes unbound/host-bound (= yes)
      return /^(unbound|host-bound)$/i.test(v) ? true : BOOLS[v.toLowerCase()];
    case 'strict':
      // readconf.c multistate_strict_hostkey: true and false too
      return ({ yes: 'yes', true: 'yes', on: 'yes', ask: 'ask', no: 'no', false: 'no', off: 'no', 'accept-new': 'accept-new' } as Record<string, string>)[v.toLowerCase()];
    case 'port':
      return parsePort(v);
    case 'int':
      return /^\d+$/.test(v) ? Number(v) : undefined;
    case 'time': { // OpenSSH convtime: 90, 90s, 1m30s, 1h
      const units: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
      if (!/^(\d+[smhdw]?)+$/i.test(v)) return undefined;
      let total = 0;
      for (const [, n, u] of v.toLowerCase().matchAll(/(\d+)([smhdw]?)/g)) total += Number(n) * units[u];
      return total;
    }
  }
}

/** Splits an -o value into words, honouring double quotes. */
export function splitArgs(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** What resolution has collected so far. */
export interface State {
  alias: string;
  home: string;
  localUser: string;
  values: Map<string, unknown>;
  /** Keywords of OTHER_KEYWORDS that were set (first value wins), with where from. */
  other: Map<string, { value: string; origin: string; code: 'ERR_USAGE' | 'ERR_CONFIG' }>;
  identity: string[];
  final: boolean;
  wantFinal: boolean;
}

/**
 * Records `key` (first value wins; IdentityFile and SendEnv accumulate).
 * Throws on a bad value, and on a keyword ssh does not know (unless
 * IgnoreUnknown, set earlier, matches it), as ssh does.
 */
export function setValue(st: State, param: string, args: string[], origin: string, code: 'ERR_USAGE' | 'ERR_CONFIG'): void {
  const lower = param.toLowerCase();
  const spec = KEYS[lower];
  if (!spec) {
    const other = OTHER_KEYWORDS[lower];
    if (other) {
      if (args.length === 0) throw new ScpipeError(code, `${origin}: missing argument for ${other[0]}`);
      if (!st.other.has(other[0])) st.other.set(other[0], { value: args.join(' '), origin, code });
      return;
    }
    if (FILE_ONLY.has(lower)) throw new ScpipeError(code, `${origin}: ${param} is not allowed here (only in a config file)`);
    const ignore = st.values.get('IgnoreUnknown') as string | undefined;
    if (ignore !== undefined && matchPatternList(lower, ignore.toLowerCase()) === 1) return;
    throw new ScpipeError(code, `${origin}: Bad configuration option: ${JSON.stringify(param)} (not an ssh_config keyword)`);
  }
  const [name, kind] = spec;
  const value = args.length === 0 ? undefined : parseValue(kind, args);
  if (value === undefined || value === '') {
    throw new ScpipeError(code, `${origin}: bad value for ${name}: ${JSON.stringify(args.join(' '))}`);
  }
  if (name === 'IdentityFile') st.identity.push(...(value as string[]));
  else if (name === 'SendEnv' || name === 'CertificateFile') st.values.set(name, [...((st.values.get(name) as string[] | undefined) ?? []), ...(value as string[])]);
  else if (!st.values.has(name)) st.values.set(name, value);
}

/** Expands ~, %-tokens and ${ENV} as ssh does for file names. */
export function expand(text: string, st: State, tokens: Record<string, string>, what: string): string {
  let s = text === '~' || text.startsWith('~/') ? st.home + text.slice(1) : text;
  s = s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = process.env[name];
    if (v === undefined) throw new ScpipeError('ERR_CONFIG', `${what}: environment variable ${name} is not set`);
    return v;
  });
  return s.replace(/%(.)/g, (_m, t: string) => {
    if (tokens[t] === undefined) throw new ScpipeError('ERR_CONFIG', `${what}: unknown token %${t} in ${JSON.stringify(text)}`);
    return tokens[t];
  });
}

/** The %-tokens ssh expands (ssh_config(5) TOKENS); `h` once resolved is the canonical address (address-literal.ts). */
export function tokensFor(st: State, h = hostnameOf(st)): Record<string, string> {
  const localHost = os.hostname();
  const p = String(st.values.get('Port') ?? 22);
  const r = (st.values.get('User') as string | undefined) ?? st.localUser;
  const l = localHost;
  return {
    '%': '%', d: st.home, h, p, r, u: st.localUser, n: st.alias, l, L: localHost.split('.')[0],
    i: String(process.getuid?.() ?? ''), k: (st.values.get('HostKeyAlias') as string | undefined) ?? st.alias,
    C: createHash('sha1').update(`${l}${h}${p}${r}`).digest('hex'),
  };
}

/** HostName, or the alias when none was set (%h expanded); a name in lower case, an address as it is, as ssh.c has it. */
export function hostnameOf(st: State): string {
  const hn = st.values.get('HostName') as string | undefined;
  // ssh stops at any other token (percent_expand: unknown key) rather than look up a name holding it.
  const host = hn === undefined ? st.alias : hn.replace(/%(.?)/gs, (_m, t: string) => {
    if (t === 'h') return st.alias;
    if (t === '%') return '%';
    throw new ScpipeError('ERR_CONFIG', `HostName ${hn}: unknown token %${t} (HostName takes %h and %%)`);
  });
  return isIP(host) ? host : lowerAscii(host);
}

/** A TCP port as ssh takes one: decimal digits, 1 to 65535; undefined otherwise. */
export function parsePort(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}
