// The ssh options every remote command shares (scp's letters: -P -i -F -o,
// plus -q -v, the transport, and the remote-command shaping of --quote /
// --scp-path), and how they become the library's ConnectOptions.
import type { Argv } from 'yargs';
import { ScpipeError, QUOTE_MODES, escapeForTerminal, parseRemoteSpec, type ConnectOptions, type QuoteMode, type RemoteSpec } from '../lib';
import { canAskUser, escapeControls, parsePort, promptOnTty } from '../lib/internal';
import { lastValue, single } from './yargs-limits';
import { applyScpOptions, withScpOptions, type ScpArgs } from './scp-options';
import { recordProtocol, withJsonOption } from './json-summary';
import { eraseLine } from './erase-line';
import { parseStallTimeout } from './stall-timeout';
import { parseStartTimeout } from './start-timeout';

/** Parsed shared options. */
export interface SshArgs extends ScpArgs {
  /** As typed; checked by connectOptions(). A string: yargs would add repeated numbers up. */
  P?: string;
  i?: string[];
  F?: string;
  o?: string[];
  q: boolean;
  progress?: boolean;
  v: boolean;
  quote: QuoteMode;
  'scp-path': string;
  transport: Transport;
  json?: boolean;
  'stall-timeout'?: string;
  'start-timeout'?: string;
}

const TRANSPORTS = ['ssh2', 'openssh'] as const;
type Transport = (typeof TRANSPORTS)[number];

// Given more than once, they add up; one value each ('greedy-arrays' off:
// `-o A=1 host:path` must not swallow the target).
const repeatable = { type: 'string', array: true, requiresArg: true } as const;

/** Adds the shared options to a command. */
export function withSshOptions<T>(y: Argv<T>): Argv<T & SshArgs> {
  return withJsonOption(withScpOptions(y))
    .option('P', { alias: 'port', ...single, describe: 'remote port' })
    .option('i', { alias: 'identity', ...repeatable, describe: 'identity (private key) file; repeatable' })
    .option('F', { ...single, describe: 'ssh config file (instead of ~/.ssh/config)' })
    .option('o', { ...repeatable, describe: 'ssh option Key=Value; repeatable' })
    .option('q', { alias: 'quiet', type: 'boolean', default: false, describe: "no progress display (unless --progress is given too), no server's login banner, no ssh warnings" })
    .option('progress', { type: 'boolean', describe: 'progress also when stderr is not a terminal: a line every 10 s and the last state, for logs (cron, systemd)' })
    .option('v', { alias: 'verbose', type: 'boolean', default: false, describe: 'protocol trace and connection details on stderr' })
    .option('quote', { choices: QUOTE_MODES, coerce: lastValue, default: 'posix' as QuoteMode, describe: 'how remote paths are quoted for the remote shell' })
    .option('stall-timeout', { ...single, describe: 'fail when the remote moves no byte for this long while it owes one (room in the channel window, an answer): seconds, or 90s, 10m, 1h; default none' })
    .option('start-timeout', { ...single, describe: "how long a started scp -t or sftp subsystem may take to answer (a host whose login shell is slow): seconds, or 90s, 10m, 1h; default 10" })
    .option('scp-path', { ...single, default: 'scp', describe: 'remote scp program' })
    .option('transport', {
      choices: TRANSPORTS,
      coerce: lastValue,
      default: 'ssh2' as Transport,
      describe: 'ssh2: built-in SSH client; openssh: run the system ssh (your whole ~/.ssh/config: ProxyJump, ControlMaster, FIDO keys)',
    }) as unknown as Argv<T & SshArgs>;
}

// A first try that is nearly a target: `vault` (no colon: the path is missing) or `::1:f` (IPv6 unbracketed).
function targetHint(arg: string): string {
  if (/^[^:/\s]+$/.test(arg)) return `: the path goes after a colon (${escapeForTerminal(arg)}:PATH)`;
  if (!arg.includes('[') && (arg.match(/:/g) ?? []).length > 2) return ': an IPv6 address goes in brackets ([ADDRESS]:PATH)';
  return '';
}

/** Parses `[user@]host:path` or throws a usage error. */
export function remoteArg(arg: string, what: string): RemoteSpec {
  const spec = parseRemoteSpec(arg);
  if (!spec) throw new ScpipeError('ERR_USAGE', `${what} needs a remote [user@]host:path, got "${escapeForTerminal(arg)}"${targetHint(arg)}`);
  // Bytes that are not UTF-8 were refused before parsing (argv-utf8.ts).
  return spec;
}

/** Connection options for `spec` from the shared options. */
export function connectOptions(spec: RemoteSpec, args: SshArgs, log?: (line: string) => void): ConnectOptions {
  const port = args.P === undefined ? undefined : checkPort(args.P);
  const out = applyScpOptions(args, {
    host: spec.host,
    user: spec.user,
    // An scp:// URI's port beats -P, as in scp (do_cmd() uses -P only for a target without one).
    port: spec.port ?? port,
    identityFiles: args.i,
    configFile: args.F,
    options: args.o,
    transport: args.transport,
    log,
    // -q: ssh's warnings ("Permanently added …") only with -v, as scp -q runs ssh -q.
    warn: args.q ? (line) => log?.(line) : (line) => void process.stderr.write(`${escapeControls(line)}\n`),
    // As scp: shown unless -q; escaped by the library. On a terminal the spool's progress line may be up.
    banner: args.q ? () => undefined : (line) => void process.stderr.write(`${process.stderr.isTTY ? eraseLine(process.stderr.columns || 80) : ''}${line}\n`),
    prompt: ttyPrompt,
  });
  // No terminal and no SSH_ASKPASS (cron): no one to ask, so no prompt, and a hung server is given up on.
  // (The openssh transport's ssh cannot ask there either; BatchMode would change its ServerAliveInterval.)
  if (out.transport !== 'openssh' && !canAskUser()) delete out.prompt;
  if (args['stall-timeout'] !== undefined) out.stallTimeoutMs = parseStallTimeout(args['stall-timeout']);
  if (args['start-timeout'] !== undefined) out.startTimeoutMs = parseStartTimeout(args['start-timeout']);
  return out;
}

// One function for every connection of the run: a host key is asked about once per run (host-key-prompt.ts).
const ttyPrompt = (question: string, echo: boolean): Promise<string | null> =>
  promptOnTty(question, echo, sayBackgroundOnce, (line) => void process.stderr.write(`scpipe: ${escapeControls(line)}\n`));

let saidBackground = false;
// The refusal that follows says "no terminal"; this says why there is one all the same.
function sayBackgroundOnce(): void {
  if (saidBackground) return;
  saidBackground = true;
  process.stderr.write('scpipe: not asking on the terminal: scpipe runs in its background (under `timeout`, give it --foreground)\n');
}

function checkPort(text: string): number {
  const port = parsePort(text);
  if (port === undefined) throw new ScpipeError('ERR_USAGE', `bad port "${escapeForTerminal(text)}"`);
  return port;
}

/** What every command's protocol role takes from the shared options: quoting, the remote scp, -v, remote stderr. */
export function roleOptions(args: SshArgs, signal: AbortSignal, log?: (line: string) => void) {
  return {
    signal,
    quote: args.quote,
    scpPath: args['scp-path'],
    trace: log,
    strictNames: !args.T,
    onStderrLine: (line: string): void => void process.stderr.write(`${line}\n`),
    onProtocol: (protocol: 'scp' | 'sftp'): void => recordProtocol(protocol),
  };
}
