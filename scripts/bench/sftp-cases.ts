// The SFTP cases against the loopback sshd: scpipe's put from a pipe and get
// over SFTP (the account's sftp-server), each compared with OpenSSH's `sftp`
// moving a regular file of the same bytes, and OpenSSH 9's `scp` in its
// default (SFTP) mode as a second reference. These cases open the rssh
// account's sftp subsystem (allowsftp); every other case runs against the
// account as the tests start it, scp-only.
import * as path from 'path';
import type { BenchCase } from './cases';
import { downloadSource, opensshArgs, rsshTarget, scpipeEnv, scpipeSsh, track, type Env, type Launch } from './env';

/** The channel counts measured besides the default (which is chosen from the round trip). */
const PUT_PARALLEL = [1, 2, 4, 8] as const;
const GET_PARALLEL = [1, 4] as const;

/** `scp` in SFTP mode (-s: the default since OpenSSH 9.0, said so for older ones). */
const scpSftp = (env: Env): string[] => ['-s', '-q', ...opensshArgs(env, env.sshd.rssh)];

/** A download case over SFTP from sshd into `out` (`fd`: it opened for writing), or undefined for another case. */
export function sftpDownload(env: Env, name: string, out: string, fd: number): Launch | undefined {
  if (name === 'scp-sftp-download-sshd') {
    return { procs: [track('scp', 'scp', [...scpSftp(env), rsshTarget(env, downloadSource(env)), out], ['ignore', 'ignore', 'pipe'])] };
  }
  const m = /^sftp-get(?:-p(\d+)|-(openssh))?$/.exec(name);
  if (!m) return undefined;
  const parallel = m[1] === undefined ? [] : ['--parallel', m[1]];
  const transport = m[2] === undefined ? [] : ['--transport', 'openssh'];
  const args = [env.opts.cli, 'get', '-q', '--protocol', 'sftp', ...parallel, ...transport, ...scpipeSsh(env), rsshTarget(env, downloadSource(env))];
  const node = track('scpipe', process.execPath, args, ['ignore', fd, 'pipe'], scpipeEnv(env));
  return { procs: [node], rssPid: node.child.pid };
}

/** The SFTP cases; `pipeInto` is cases.ts's `cat FILE | scpipe put EXTRA host:out`. */
export function sftpCases(pipeInto: (env: Env, extra: string[]) => Launch, download: (env: Env, name: string) => Launch): BenchCase[] {
  const put = (parallel?: number): BenchCase => ({
    name: parallel === undefined ? 'sftp-pipe' : `sftp-pipe-p${parallel}`,
    command: `cat FILE | scpipe put --protocol sftp ${parallel === undefined ? '(channels from the round trip)' : `--parallel ${parallel}`}`,
    reference: 'sftp-upload-sshd', kind: 'upload', scpipe: true, sftp: true,
    start: (env) => pipeInto(env, ['--protocol', 'sftp', ...(parallel === undefined ? [] : ['--parallel', String(parallel)])]),
  });
  const get = (parallel?: number): BenchCase => ({
    name: parallel === undefined ? 'sftp-get' : `sftp-get-p${parallel}`,
    command: `scpipe get --protocol sftp ${parallel === undefined ? '' : `--parallel ${parallel} `}host:FILE > /dev/null`,
    reference: 'sftp-download-sshd', kind: 'download', scpipe: true, sftp: true,
    start: (env) => download(env, parallel === undefined ? 'sftp-get' : `sftp-get-p${parallel}`),
  });
  return [
    put(), ...PUT_PARALLEL.map(put),
    {
      name: 'sftp-pipe-sha256', command: 'cat FILE | scpipe put --protocol sftp --checksum-file SUMS (the SHA-256 taken in the same pass)', reference: 'sftp-upload-sshd', kind: 'upload', scpipe: true, sftp: true,
      start: (env) => pipeInto(env, ['--protocol', 'sftp', '--checksum-file', path.join(env.tmp, 'sums.sha256')]),
    },
    {
      name: 'sftp-pipe-parts', command: 'cat FILE | scpipe put --protocol sftp --part-size PART (parts over SFTP, default --parallel)', reference: 'sftp-upload-sshd', kind: 'parts', scpipe: true, sftp: true,
      start: (env) => pipeInto(env, ['--protocol', 'sftp', '--part-size', String(env.opts.partSize)]),
    },
    {
      name: 'sftp-pipe-openssh', command: 'cat FILE | scpipe put --protocol sftp --transport openssh', reference: 'sftp-upload-sshd', kind: 'upload', scpipe: true, sftp: true,
      start: (env) => pipeInto(env, ['--protocol', 'sftp', '--transport', 'openssh']),
    },
    {
      name: 'scp-sftp-upload-sshd', command: 'scp FILE host:out (OpenSSH 9 scp, SFTP mode)', reference: 'sftp-upload-sshd', kind: 'upload', scpipe: false, sftp: true,
      start: (env) => ({ procs: [track('scp', 'scp', [...scpSftp(env), env.file, rsshTarget(env, path.join(env.remoteDir, 'out'))], ['ignore', 'ignore', 'pipe'])] }),
    },
    get(), ...GET_PARALLEL.map(get),
    {
      name: 'sftp-get-openssh', command: 'scpipe get --protocol sftp --transport openssh host:FILE > /dev/null', reference: 'sftp-download-sshd', kind: 'download', scpipe: true, sftp: true,
      start: (env) => download(env, 'sftp-get-openssh'),
    },
    {
      name: 'scp-sftp-download-sshd', command: 'scp host:FILE /dev/null (OpenSSH 9 scp, SFTP mode)', reference: 'sftp-download-sshd', kind: 'download', scpipe: false, sftp: true,
      start: (env) => download(env, 'scp-sftp-download-sshd'),
    },
  ];
}
