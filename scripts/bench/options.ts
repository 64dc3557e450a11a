// The bench's command line: `npm run bench -- [options]`.
import * as path from 'path';
import { parseByteSize } from '../../lib/spool/size';
import { CASES } from './cases';

export interface Options {
  size: number;
  /** Part size of the parts cases. */
  partSize: number;
  runs: number;
  cases: string[];
  rtt: number;
  cipher: string;
  kex: string;
  prewarm: boolean;
  extraCa: boolean;
  /** The scpipe executable measured (another build's dist/cli/launch.js with --cli). */
  cli: string;
  argv: string[];
}

/**
 * Both sides use the same algorithms: left to themselves, OpenSSH's client
 * picks chacha20-poly1305 and sntrup761x25519, ssh2 aes128-gcm and
 * curve25519, and the cipher alone makes a large difference
 * (docs/performance.md §1). `default` lets each side choose.
 */
const DEFAULT_CIPHER = 'aes128-gcm@openssh.com';
const DEFAULT_KEX = 'curve25519-sha256';

export function usage(): string {
  const width = Math.max(...CASES.map((c) => c.name.length));
  return [
    'Usage: npm run bench -- [options]',
    '',
    'Sends the same random file with scpipe and with OpenSSH through a loopback sshd',
    '(an rssh-like account: scp-only, or scp and sftp for the SFTP cases), interleaved,',
    'and prints medians and ratios.',
    'Needs root and `sudo bash scripts/install-test-deps.sh`; run `npm run build` first.',
    'How it measures: docs/performance.md.',
    '',
    '  --size SIZE          bytes per transfer (default 1G; K, M, G are powers of 1024)',
    '  --runs N             runs per case (default 5; the tiny cases run 4 times as often)',
    '  --part-size SIZE     part size of the parts cases (default 64M)',
    '  --cases A,B,...      the cases to run (default: all, listed below)',
    '  --rtt MS             add MS of round trip with a relay in front of sshd (default 0)',
    `  --cipher NAME        cipher for both sides (default ${DEFAULT_CIPHER}; "default": each side's own)`,
    `  --kex NAME           key exchange for both sides (default ${DEFAULT_KEX}; "default" as above)`,
    '  --prewarm on|off     touch fresh memory before each run (default on)',
    '  --extra-ca keep|drop keep NODE_EXTRA_CA_CERTS for scpipe, if set (default drop)',
    '  --cli PATH           the scpipe to measure (default dist/cli/launch.js of this tree)',
    '  --help               this text',
    '',
    'Cases (compared with):',
    ...CASES.map((c) => `  ${c.name.padEnd(width)}  ${c.command}${c.reference === c.name ? '' : `  (vs ${c.reference})`}`),
  ].join('\n');
}

/** Parses the arguments; returns undefined for --help. Throws on a bad one. */
export function parseOptions(argv: string[], root: string): Options | undefined {
  const opts: Options = {
    size: 1024 ** 3, partSize: 64 * 1024 ** 2, runs: 5, cases: CASES.map((c) => c.name), rtt: 0, cipher: DEFAULT_CIPHER, kex: DEFAULT_KEX,
    prewarm: true, extraCa: false, cli: path.join(root, 'dist/cli/launch.js'), argv,
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') return undefined;
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${argv[i]} needs a value (see --help)`);
    if (argv[i] === '--size') opts.size = Number(parseByteSize(value));
    else if (argv[i] === '--runs') opts.runs = Number(value);
    else if (argv[i] === '--part-size') opts.partSize = Number(parseByteSize(value));
    else if (argv[i] === '--cases') opts.cases = value.split(',').map((c) => c.trim());
    else if (argv[i] === '--rtt') opts.rtt = Number(value);
    else if (argv[i] === '--cli') opts.cli = path.resolve(value);
    else if (argv[i] === '--cipher') opts.cipher = value;
    else if (argv[i] === '--kex') opts.kex = value;
    else if (argv[i] === '--prewarm' && (value === 'on' || value === 'off')) opts.prewarm = value === 'on';
    else if (argv[i] === '--extra-ca' && (value === 'keep' || value === 'drop')) opts.extraCa = value === 'keep';
    else throw new Error(`unknown option ${argv[i]} ${value} (see --help)`);
    i++;
  }
  if (!(opts.size > 0) || !Number.isSafeInteger(opts.size)) throw new Error('bad --size');
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error(`bad --runs ${opts.runs}`);
  if (!(opts.rtt >= 0) || opts.rtt > 10_000) throw new Error(`bad --rtt ${opts.rtt} (milliseconds)`);
  const unknown = opts.cases.filter((c) => !CASES.some((k) => k.name === c));
  if (unknown.length) throw new Error(`unknown case(s) ${unknown.join(', ')} (see --help)`);
  // Twice would mean twice the runs of its reference and two rows sharing one median.
  const twice = opts.cases.find((c, i) => opts.cases.indexOf(c) !== i);
  if (twice !== undefined) throw new Error(`--cases names ${twice} twice`);
  return opts;
}
