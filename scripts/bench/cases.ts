// The bench's cases, one entry each: what it runs, what it is compared with,
// and how it is started. A new case is a new entry here.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SERVE_CASES, serveDownload } from './serve-cases';
import { sftpCases, sftpDownload } from './sftp-cases';
import { downloadSet, downloadSource, opensshArgs, rsshTarget, scpipeEnv, scpipeSsh, shq, track, type Env, type Launch, type Tracked } from './env';

/**
 * upload: writes env.file's bytes to the remote (checked, then removed);
 * download: reads the remote copy of env.file (checked once, untimed);
 * parts: writes env.file's bytes as out.000000, out.000001, ... (checked
 *   concatenated in name order, then removed with any out.sha256);
 * tiny: 6 bytes (TINY_DATA), run TINY_REPEAT times per round;
 * scale: a reference with nothing to check.
 */
export type CaseKind = 'upload' | 'parts' | 'download' | 'tiny' | 'scale';

export interface BenchCase {
  name: string;
  /** The command, as a user would type it (for --help and the docs). */
  command: string;
  /** The case it is compared with; a reference names itself. */
  reference: string;
  kind: CaseKind;
  /** True when the launch runs scpipe, whose peak memory is measured. */
  scpipe: boolean;
  /** True when it needs the rssh account's sftp subsystem; the others see the account scp-only. */
  sftp?: boolean;
  start(env: Env): Launch;
}

const MiB = 1024 * 1024;

export const CASES: readonly BenchCase[] = [
  {
    name: 'pipe-ram', command: 'cat FILE | scpipe put --memory SIZE+64M', reference: 'manual-two-pass', kind: 'upload', scpipe: true,
    start: (env) => pipeIntoScpipe(env, env.file, ['--memory', String(env.opts.size + 64 * MiB)], 'out'),
  },
  {
    name: 'pipe-disk', command: 'cat FILE | scpipe put (64 MiB in RAM, then a disk spool)', reference: 'manual-two-pass', kind: 'upload', scpipe: true,
    start: (env) => pipeIntoScpipe(env, env.file, [], 'out'),
  },
  {
    name: 'pipe-disk-sha256', command: 'cat FILE | scpipe put --checksum-file SUMS (the SHA-256 taken in the same pass)', reference: 'manual-two-pass', kind: 'upload', scpipe: true,
    start: (env) => pipeIntoScpipe(env, env.file, ['--checksum-file', path.join(env.tmp, 'sums.sha256')], 'out'),
  },
  {
    name: 'pipe-disk-openssh', command: 'cat FILE | scpipe put --transport openssh', reference: 'manual-two-pass', kind: 'upload', scpipe: true,
    start: (env) => pipeIntoScpipe(env, env.file, ['--transport', 'openssh'], 'out'),
  },
  {
    name: 'manual-two-pass', command: 'cat FILE | cat > SPOOL && scp -O SPOOL host:out; rm SPOOL', reference: 'manual-two-pass', kind: 'upload', scpipe: false,
    start: (env) => {
      const spool = path.join(env.tmp, 'manual-spool');
      // The stream reaches `cat > spool` through a pipe, as it reaches scpipe.
      const script = `cat ${shq(env.file)} | cat > ${shq(spool)} && ${['scp', ...scp(env), spool, remote(env, 'out')].map(shq).join(' ')}; s=$?; rm -f ${shq(spool)}; exit $s`;
      return { procs: [track('sh', 'sh', ['-c', script], ['ignore', 'ignore', 'pipe'])] };
    },
  },
  {
    name: 'file-stdin', command: 'scpipe put < FILE (a regular file: no spool)', reference: 'scp-file', kind: 'upload', scpipe: true,
    start: (env) => {
      const node = fromFile(env, 'scpipe', process.execPath, scpipePut(env, [], 'out'), scpipeEnv(env));
      return { procs: [node], rssPid: node.child.pid };
    },
  },
  {
    name: 'scp-file', command: 'scp -O FILE host:out', reference: 'scp-file', kind: 'upload', scpipe: false,
    start: (env) => ({ procs: [track('scp', 'scp', [...scp(env), env.file, remote(env, 'out')], ['ignore', 'ignore', 'pipe'])] }),
  },
  {
    name: 'ssh-cat', command: "ssh host 'cat > /dev/null' < FILE (one pass, a shell account)", reference: 'ssh-cat', kind: 'scale', scpipe: false,
    start: (env) => ({ procs: [fromFile(env, 'ssh', 'ssh', [...opensshArgs(env, env.sshd.user), '127.0.0.1', 'cat > /dev/null'])] }),
  },
  {
    name: 'download', command: 'scpipe get host:FILE > /dev/null', reference: 'scp-download', kind: 'download', scpipe: true,
    start: (env) => startDownload(env, 'download', '/dev/null'),
  },
  {
    name: 'download-openssh', command: 'scpipe get --transport openssh host:FILE > /dev/null', reference: 'scp-download', kind: 'download', scpipe: true,
    start: (env) => startDownload(env, 'download-openssh', '/dev/null'),
  },
  {
    name: 'scp-download', command: 'scp -O host:FILE /dev/null', reference: 'scp-download', kind: 'download', scpipe: false,
    start: (env) => startDownload(env, 'scp-download', '/dev/null'),
  },
  {
    name: 'pipe-parts', command: 'cat FILE | scpipe put --part-size PART (default --parallel)', reference: 'manual-two-pass', kind: 'parts', scpipe: true,
    start: (env) => pipeIntoScpipe(env, env.file, ['--part-size', String(env.opts.partSize)], 'out'),
  },
  // The default --parallel chosen from these (docs/performance.md).
  ...[1, 2, 8].map((parallel): BenchCase => ({
    name: `pipe-parts-p${parallel}`, command: `cat FILE | scpipe put --part-size PART --parallel ${parallel}`, reference: 'manual-two-pass', kind: 'parts', scpipe: true,
    start: (env) => pipeIntoScpipe(env, env.file, ['--part-size', String(env.opts.partSize), '--parallel', String(parallel)], 'out'),
  })),
  {
    name: 'split-scp', command: "cat FILE | split -b PART --filter 'cat > $FILE && scp -O $FILE host: && rm $FILE'", reference: 'split-scp', kind: 'parts', scpipe: false,
    start: (env) => {
      const dest = rsshTarget(env, `${env.remoteDir}/`);
      const filter = `cat > "$FILE" && ${['scp', ...scp(env)].map(shq).join(' ')} "$FILE" ${shq(dest)} && rm "$FILE"`;
      const script = `cat ${shq(env.file)} | split -b ${env.opts.partSize} -a 6 -d --filter ${shq(filter)} - ${shq(path.join(env.spoolDir, 'out.'))}`;
      return { procs: [track('sh', 'sh', ['-c', script], ['ignore', 'ignore', 'pipe'])] };
    },
  },
  {
    name: 'download-parts', command: 'scpipe get host:SET > /dev/null (a parts set of FILE, default --parallel)', reference: 'scp-download', kind: 'download', scpipe: true,
    start: (env) => startDownload(env, 'download-parts', '/dev/null'),
  },
  // Fewer parts fetched ahead (docs/performance.md: a set's restore with one channel).
  ...[1, 2].map((parallel): BenchCase => ({
    name: `download-parts-p${parallel}`, command: `scpipe get --parallel ${parallel} host:SET > /dev/null`, reference: 'scp-download', kind: 'download', scpipe: true,
    start: (env) => startDownload(env, `download-parts-p${parallel}`, '/dev/null'),
  })),
  {
    name: 'tiny', command: "printf 'hello\\n' | scpipe put host:tiny (start-up and handshake)", reference: 'scp-tiny', kind: 'tiny', scpipe: true,
    start: (env) => pipeIntoScpipe(env, env.smallFile, [], 'tiny'),
  },
  {
    name: 'scp-tiny', command: 'scp -O SMALLFILE host:tiny (the same 6 bytes from a file)', reference: 'scp-tiny', kind: 'tiny', scpipe: false,
    start: (env) => ({ procs: [track('scp', 'scp', [...scp(env), env.smallFile, remote(env, 'tiny')], ['ignore', 'ignore', 'pipe'])] }),
  },
  ...sftpCases((env, extra) => pipeIntoScpipe(env, env.file, extra, 'out'), (env, name) => startDownload(env, name, '/dev/null')),
  ...SERVE_CASES,
];

/** Opens or closes the rssh account's sftp subsystem for case `c` (rssh.conf, read at each login). */
export function allowFor(env: Env, c: BenchCase): Promise<void> {
  return env.sshd.setRsshAllowed(c.sftp ? ['scp', 'sftp'] : ['scp']);
}

export function caseNamed(name: string): BenchCase {
  const found = CASES.find((c) => c.name === name);
  if (!found) throw new Error(`no case ${name}`);
  return found;
}

/** The remote file an upload or tiny case writes. */
export const remoteOut = (env: Env, kind: CaseKind): string => path.join(env.remoteDir, kind === 'tiny' ? 'tiny' : 'out');

const remote = (env: Env, file: 'out' | 'tiny'): string => rsshTarget(env, path.join(env.remoteDir, file));
const scp = (env: Env): string[] => ['-O', '-q', ...opensshArgs(env, env.sshd.rssh)];

function scpipePut(env: Env, extra: string[], file: 'out' | 'tiny'): string[] {
  return [env.opts.cli, 'put', '-q', ...extra, '--spool-dir', env.spoolDir, ...scpipeSsh(env), remote(env, file)];
}

/** `cat SOURCE | scpipe put`, through a real pipe. */
function pipeIntoScpipe(env: Env, source: string, extra: string[], file: 'out' | 'tiny'): Launch {
  // A FIFO, as from a shell: Node's 'pipe' stdio is a socket pair, which
  // behaves differently. Its read end is opened first (non-blocking, so the
  // open returns), then cat's write end.
  const fifo = path.join(env.tmp, 'stdin.fifo');
  if (!fs.existsSync(fifo)) execFileSync('mkfifo', [fifo]);
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writer = fs.openSync(fifo, fs.constants.O_WRONLY);
  try {
    const cat = track('cat', 'cat', [source], ['ignore', writer, 'pipe']);
    const node = track('scpipe', process.execPath, scpipePut(env, extra, file), [reader, 'ignore', 'pipe'], scpipeEnv(env));
    return { procs: [cat, node], rssPid: node.child.pid };
  } finally {
    fs.closeSync(reader);
    fs.closeSync(writer);
  }
}

function fromFile(env: Env, label: string, cmd: string, args: string[], envVars?: NodeJS.ProcessEnv): Tracked {
  const fd = fs.openSync(env.file, 'r');
  try {
    return track(label, cmd, args, [fd, 'ignore', 'pipe'], envVars);
  } finally {
    fs.closeSync(fd);
  }
}

/** Starts a download case with its output going to `out` (a path opened for writing). */
export function startDownload(env: Env, name: string, out: string): Launch {
  const viaServe = serveDownload(env, name, out);
  if (viaServe) return viaServe;
  const fd = fs.openSync(out, 'w');
  try {
    const overSftp = sftpDownload(env, name, out, fd);
    if (overSftp) return overSftp;
    if (name === 'scp-download') {
      // scp's sink opens the target itself: give it the same path (docs/protocol.md §4.3: /dev/null is never truncated).
      return { procs: [track('scp', 'scp', [...scp(env), rsshTarget(env, downloadSource(env)), out], ['ignore', 'ignore', 'pipe'])] };
    }
    const transport = name === 'download-openssh' ? ['--transport', 'openssh'] : [];
    const parallel = /^download-parts-p(\d+)$/.exec(name)?.[1];
    const source = name.startsWith('download-parts') ? downloadSet(env) : downloadSource(env);
    const args = [env.opts.cli, 'get', '-q', ...transport, ...(parallel ? ['--parallel', parallel] : []), ...scpipeSsh(env), rsshTarget(env, source)];
    const node = track('scpipe', process.execPath, args, ['ignore', fd, 'pipe'], scpipeEnv(env));
    return { procs: [node], rssPid: node.child.pid };
  } finally {
    fs.closeSync(fd);
  }
}
