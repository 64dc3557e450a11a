// Each transfer line of `scpipe serve` names the login's key by its
// fingerprint, as `ssh-keygen -lf` prints it (or the user name of a login
// without a key), so that "which client stored this file" is one grep. It
// used to name only user@address:port: the key was found by matching the
// `Accepted` line of that address and port, which later connections reuse.
import { execFileSync } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { runCli } from '../helpers/cli';
import { runProgram } from '../helpers/run-program';
import { servePerSuite, startServe } from '../helpers/serve';

const serve = servePerSuite(['--append-only']);

// `ssh-keygen -lf` of a public key: "256 SHA256:… comment (ED25519)".
const fingerprintOf = (pub: string): string => execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1]!;

const linesOf = (text: string, what: string): string[] => text.split('\n').filter((l) => l.includes(what));

it('names the key in the upload, stored and download lines of scp, sftp and scpipe, and two keys apart', async () => {
  const db1 = join(serve.dir, 'db1_key');
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', db1, '-C', 'db1']);
  await appendFile(join(serve.dir, 'authorized_keys'), await readFile(`${db1}.pub`));
  const web1Fp = fingerprintOf(`${serve.keyPath}.pub`);
  const db1Fp = fingerprintOf(`${db1}.pub`);
  await writeFile(join(serve.dir, 'data'), 'nightly\n');
  // --parallel 1: else the channels follow the round trip put measures, and
  // on a loaded machine the line says "over 2 channels".
  const web1Put = await runCli(['put', '-q', '--parallel', '1', ...serve.scpipeArgs(), 'backup@127.0.0.1:/web1.dump'], { stdin: 'web1' });
  expect(web1Put.status).toBe(0);
  const db1Args = serve.sshArgs().map((a) => (a === serve.keyPath ? db1 : a));
  expect((await runProgram('scp', ['-O', '-q', ...db1Args, join(serve.dir, 'data'), '127.0.0.1:'])).status).toBe(0);
  expect((await runProgram('sftp', ['-q', ...db1Args, '-b', '-', '127.0.0.1'], `get /web1.dump ${join(serve.dir, 'back')}\n`)).status).toBe(0);
  // Port and temporary name as N and XXXXXX, each key as its name; not the
  // lines of the empty handles scpipe's other SFTP lanes may open.
  const lines = (): string[] =>
    serve
      .log()
      .split('\n')
      .filter((l) => /^scpipe: backup@/.test(l) && / (upload|stored|download|posix-rename) /.test(l) && !l.endsWith(' 0 bytes ok'))
      .map((l) => l.replace(/:\d+ /, ':N ').replace(/scpipe-\w{6}/, 'scpipe-XXXXXX').replace(web1Fp, 'WEB1').replace(db1Fp, 'DB1'));
  await waitFor(() => lines().length === 5, 'the five transfer lines');
  expect(lines()).toEqual([
    'scpipe: backup@127.0.0.1:N key WEB1 sftp upload /.web1.dump.scpipe-XXXXXX 4 bytes ok',
    'scpipe: backup@127.0.0.1:N key WEB1 sftp posix-rename /.web1.dump.scpipe-XXXXXX /web1.dump ok',
    'scpipe: backup@127.0.0.1:N key DB1 stored /data 8 bytes',
    'scpipe: backup@127.0.0.1:N key DB1 upload / 8 bytes ok',
    'scpipe: backup@127.0.0.1:N key DB1 sftp download /web1.dump 4 bytes ok',
  ]);
});

it('names the user of a password login, escaped as one word', async () => {
  const pw = await startServe(['--user', 'back up', '--auth-failure-delay', '0.01'], { SCPIPE_SERVE_PASSWORD: 'correct horse' });
  try {
    const args = ['-F', 'none', '-P', String(pw.port), '-o', `UserKnownHostsFile=${pw.knownHostsPath}`, '-o', 'BatchMode=yes'];
    const put = await runCli(['put', '-q', '--parallel', '1', ...args, '-o', 'User=back up', '127.0.0.1:/p.txt'], { stdin: 'pw', env: { SCPIPE_PASSWORD: 'correct horse' } });
    expect(put).toMatchObject({ status: 0, stderr: '' });
    await waitFor(() => linesOf(pw.log(), ' 2 bytes ').length === 1, 'the upload logged');
    expect(linesOf(pw.log(), ' 2 bytes ')).toEqual([expect.stringMatching(/^scpipe: back\\x20up@127\.0\.0\.1:\d+ user back\\x20up sftp upload \/\.p\.txt\.scpipe-\w{6} 2 bytes ok$/)]);
  } finally {
    await pw.stop();
  }
});
