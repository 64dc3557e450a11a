// `scpipe serve` never tells a client where its root is on the host. Its
// messages show paths from the root; but the jail's refusals were passed
// through the root-hiding rewrite again, so a client path that began with
// the real root's path came back shortened, and any other did not: an
// oracle for guessing the root.
import { runProgram } from '../helpers/run-program';
import { servePerSuite } from '../helpers/serve';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite();
const localDir = tempDirPerTest('scpipe-test-serveroot-');

it('answers an upload under a guess of the real root as under any other missing directory', async () => {
  const local = localDir();
  await writeFile(join(local, 'f'), 'data');
  const put = (to: string) => runProgram('scp', ['-O', '-q', ...serve.sshArgs(), join(local, 'f'), `127.0.0.1:${to}`]);
  for (const guess of [serve.root, '/srv/elsewhere']) {
    expect(await put(`${guess}/nope/f`)).toMatchObject({ status: 1, stderr: `scp: ${guess}/nope/f: No such file or directory\n` });
  }
});

it('refuses to send the root by a name that begins with the real root as by any other', async () => {
  const local = localDir();
  const get = (from: string) => runProgram('scp', ['-O', '-q', '-r', ...serve.sshArgs(), `127.0.0.1:${from}`, join(local, 'x')]);
  for (const guess of [`${serve.root}/../../../../../..`, '/srv/elsewhere/../../..']) {
    const r = await get(guess);
    // As in a chroot, `..` after a name the root lacks is that name's "No such file".
    expect(r).toMatchObject({ status: 1, stderr: `scp: /${guess.split('/')[1]}: No such file or directory\n` });
  }
  expect(await get('/../..')).toMatchObject({ status: 1, stderr: 'scp: /../..: cannot send the root directory by name; name the files or directories inside it\n' });
});
