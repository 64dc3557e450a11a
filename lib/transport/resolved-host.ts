// The effective settings for one host (what `ssh -G` prints), built from
// what ssh-config.ts collected: defaults applied, file names expanded, and
// every keyword either honoured, noted as having no effect on a transfer, or
// refused (ssh-keywords.ts).
import * as path from 'node:path';
import { ScpipeError } from '../errors';
import { ALGORITHM_KEYS, type AlgorithmKey, type AlgorithmSpecs } from './algorithms';
import { expand, hostnameOf, tokensFor, type State } from './ssh-config-values';
import { OTHER_KEYWORDS, refusal } from './ssh-keywords';
import { matchPattern } from './wildcard';
import { canonicalHost } from './address-literal';
import { expandTilde } from '../util/user-home';
import { MAX_TIMER_MS } from '../util/long-timeout';

/** ServerAliveInterval where none is set, in seconds (ssh's is 0: see serverAliveIntervalMs). */
export const DEFAULT_SERVER_ALIVE_S = 15;

/** The effective settings for one connection. */
export interface ResolvedHost {
  alias: string;
  hostname: string;
  port: number;
  user: string;
  /** -i files, then -o/config IdentityFile, expanded (~, %tokens, ${ENV}). */
  identityFiles: string[];
  /** ~/.ssh/id_ed25519, id_ecdsa, id_rsa — only when no IdentityFile was given at all (as OpenSSH). */
  defaultIdentityFiles: string[];
  identitiesOnly: boolean;
  /** CertificateFile, expanded: certificates offered with the identity they certify (as is KEY-cert.pub). */
  certificateFiles: string[];
  /** UserKnownHostsFile; new keys are added to the first. Default ~/.ssh/known_hosts{,2}. */
  knownHostsFiles: string[];
  /** GlobalKnownHostsFile, read-only. Default /etc/ssh/ssh_known_hosts{,2}. */
  globalKnownHostsFiles: string[];
  /** 'ask' (the OpenSSH default) resolves to 'yes', with hostKeyAsk set. */
  strictHostKeyChecking: 'yes' | 'no' | 'accept-new';
  /** StrictHostKeyChecking was ask and BatchMode is off: an interactive caller may confirm a new key. */
  hostKeyAsk: boolean;
  /** HostKeyAlias: the name used in known_hosts instead of [hostname]:port. */
  hostKeyAlias?: string;
  connectTimeoutMs?: number;
  /**
   * Default 15000 (ssh's is 0): scpipe may spool stdin for a long time before
   * the channel carries data; keepalives stop NAT/firewall idle timeouts from
   * silently killing the connection, and detect a dead peer.
   */
  serverAliveIntervalMs: number;
  serverAliveCountMax: number;
  batchMode: boolean;
  preferredAuthentications?: string[];
  passwordAuthentication: boolean;
  pubkeyAuthentication: boolean;
  kbdInteractiveAuthentication: boolean;
  /** Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms as given (absent: ssh2's defaults). */
  algorithms: AlgorithmSpecs;
  /** LogLevel (QUIET ... DEBUG3); VERBOSE and the DEBUG levels show the connection log without -v. */
  logLevel?: string;
  /** Compression=yes: offer zlib@openssh.com and zlib first. */
  compression?: boolean;
  /** ProxyJump: `[user@]host[:port]` hops, comma-separated (absent or none: direct). */
  proxyJump?: string;
  /** ProxyCommand, with its %-tokens expanded: run by /bin/sh, its stdio is the connection. */
  proxyCommand?: string;
  /** AddressFamily: inet (IPv4 only), inet6 (IPv6 only). */
  addressFamily?: 'any' | 'inet' | 'inet6';
  /** BindAddress: the local address to connect from. */
  bindAddress?: string;
  /** ConnectionAttempts: TCP connects to try, a second apart (default 1). */
  connectionAttempts?: number;
  /** IdentityAgent: the agent socket ('none': no agent; absent: SSH_AUTH_SOCK). */
  identityAgent?: string;
  /** CheckHostIP=yes: also check (and record) the key under the server's IP address. */
  checkHostIP?: boolean;
  /** HashKnownHosts=yes: names added to known_hosts are hashed. */
  hashKnownHosts?: boolean;
  /** NumberOfPasswordPrompts (default 3). */
  numberOfPasswordPrompts?: number;
  /** SendEnv and SetEnv: the variables sent with each command (the server's AcceptEnv decides). */
  env?: Record<string, string>;
  /** TCPKeepAlive (default yes). */
  tcpKeepAlive?: boolean;
  /** Keywords that were set but have no effect on a transfer, each with why (shown by -v). */
  notes?: string[];
}

// Builds the ResolvedHost; throws the refusal of the first keyword that
// ssh2 cannot honour (ERR_USAGE from -o, ERR_CONFIG from a file).
export function buildResolvedHost(st: State, alias: string, sshDir: string): ResolvedHost {
  const v = <T>(name: string, dflt: T): T => (st.values.has(name) ? (st.values.get(name) as T) : dflt);
  const hostname = canonicalHost(hostnameOf(st));
  const tokens = tokensFor(st, hostname);
  const files = (list: string[], what: string): string[] =>
    list.length === 1 && list[0].toLowerCase() === 'none' ? [] : [...new Set(list.map((f) => expand(expandTilde(f, st.home, what), st, tokens, what)))];
  const identityFiles = files(st.identity, 'IdentityFile');
  const strict = v<string>('StrictHostKeyChecking', 'ask');
  const batchMode = v('BatchMode', false);
  const connectTimeout = v<number | undefined>('ConnectTimeout', undefined);
  const resolved: ResolvedHost = {
    alias,
    hostname,
    port: v('Port', 22),
    user: v('User', st.localUser),
    identityFiles,
    defaultIdentityFiles: identityFiles.length > 0 ? [] : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(sshDir, f)),
    identitiesOnly: v('IdentitiesOnly', false),
    certificateFiles: files(v<string[]>('CertificateFile', []), 'CertificateFile'),
    knownHostsFiles: files(v('UserKnownHostsFile', ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']), 'UserKnownHostsFile'),
    globalKnownHostsFiles: files(v('GlobalKnownHostsFile', ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']), 'GlobalKnownHostsFile'),
    strictHostKeyChecking: strict === 'ask' ? 'yes' : (strict as 'yes' | 'no' | 'accept-new'),
    hostKeyAsk: strict === 'ask' && !batchMode,
    // ssh2 keeps it in a setInterval(), which runs a longer one every millisecond: held at the longest kept, as rarely.
    serverAliveIntervalMs: Math.min(v('ServerAliveInterval', DEFAULT_SERVER_ALIVE_S) * 1000, MAX_TIMER_MS),
    serverAliveCountMax: v('ServerAliveCountMax', 3),
    batchMode,
    passwordAuthentication: v('PasswordAuthentication', true),
    pubkeyAuthentication: v('PubkeyAuthentication', true),
    kbdInteractiveAuthentication: v('KbdInteractiveAuthentication', true),
    algorithms: {},
  };
  for (const key of Object.keys(ALGORITHM_KEYS) as AlgorithmKey[]) {
    const spec = v<string | undefined>(key, undefined);
    if (spec !== undefined) resolved.algorithms[key] = spec;
  }
  const alias2 = v<string | undefined>('HostKeyAlias', undefined);
  if (alias2 !== undefined) resolved.hostKeyAlias = alias2;
  if (connectTimeout) resolved.connectTimeoutMs = connectTimeout * 1000;
  const pref = v<string[] | undefined>('PreferredAuthentications', undefined);
  if (pref) resolved.preferredAuthentications = pref;
  honourMore(resolved, st, v, tokens);
  return resolved;
}

type Get = <T>(name: string, dflt: T) => T;

// The keywords beyond the basic set: proxies, sockets, agent, environment, notes.
function honourMore(r: ResolvedHost, st: State, v: Get, tokens: Record<string, string>): void {
  if (v('RefuseConnection', false)) throw new ScpipeError('ERR_CONFIG', `connection to ${r.alias} refused by RefuseConnection in the configuration`);
  const notes: string[] = [];
  for (const [name, { value, origin, code }] of st.other) {
    const effect = OTHER_KEYWORDS[name.toLowerCase()]![1];
    const refused = refusal(name, value, effect);
    if (refused) throw new ScpipeError(code, `${origin}: ${refused}`);
    notes.push(`${name} ${value}: no effect on a transfer (${effect.why})`);
  }
  if (notes.length) r.notes = notes;
  r.logLevel = v('LogLevel', 'INFO');
  if (v('Compression', false)) r.compression = true;
  // ProxyJump and ProxyCommand exclude each other: the first one set wins, as in ssh.
  const proxy = [...st.values.keys()].find((k) => k === 'ProxyJump' || k === 'ProxyCommand');
  const proxyValue = proxy && (st.values.get(proxy) as string);
  if (proxy === 'ProxyJump' && proxyValue!.toLowerCase() !== 'none') r.proxyJump = proxyValue;
  if (proxy === 'ProxyCommand' && proxyValue!.toLowerCase() !== 'none') {
    r.proxyCommand = expand(proxyValue!.replace(/^exec\s+/, ''), st, tokens, 'ProxyCommand');
  }
  const family = v<string>('AddressFamily', 'any');
  if (family !== 'any') r.addressFamily = family as 'inet' | 'inet6';
  const bind = v<string | undefined>('BindAddress', undefined);
  if (bind !== undefined) r.bindAddress = bind;
  r.connectionAttempts = Math.max(1, v('ConnectionAttempts', 1));
  const agent = v<string | undefined>('IdentityAgent', undefined);
  if (agent !== undefined) r.identityAgent = agentSocket(agent, st, tokens);
  if (v('CheckHostIP', false)) r.checkHostIP = true;
  if (v('HashKnownHosts', false)) r.hashKnownHosts = true;
  r.numberOfPasswordPrompts = v('NumberOfPasswordPrompts', 3);
  r.tcpKeepAlive = v('TCPKeepAlive', true);
  const env = environment(v<string[]>('SendEnv', []), v<string[]>('SetEnv', []));
  if (Object.keys(env).length) r.env = env;
}

// IdentityAgent: none, SSH_AUTH_SOCK (the environment's), $VAR, or a path with ~ and %tokens.
function agentSocket(text: string, st: State, tokens: Record<string, string>): string {
  if (text.toLowerCase() === 'none') return 'none';
  const name = text === 'SSH_AUTH_SOCK' ? text : /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(text)?.[1];
  if (name !== undefined) return process.env[name] ?? 'none';
  return expand(expandTilde(text, st.home, 'IdentityAgent'), st, tokens, 'IdentityAgent');
}

// SendEnv patterns pick variables from our environment ("-PATTERN" drops
// earlier ones); SetEnv NAME=VALUE pairs are sent as given and win.
const CASE = { ignoreCase: false }; // variable names keep their case

function environment(send: string[], set: string[]): Record<string, string> {
  let patterns: string[] = [];
  for (const p of send) patterns = p.startsWith('-') ? patterns.filter((q) => !matchPattern(q, p.slice(1), CASE)) : [...patterns, p];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('SCPIPE_') && patterns.some((p) => matchPattern(name, p, CASE))) env[name] = value;
  }
  for (const pair of set) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ScpipeError('ERR_CONFIG', `SetEnv: bad NAME=VALUE ${JSON.stringify(pair)}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}
