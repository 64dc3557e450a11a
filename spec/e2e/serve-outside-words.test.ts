// A link inside the root that leads outside is refused in one wording by
// every client. OpenSSH's sftp and scp (SFTP mode) print only the status,
// `Permission denied`; scp -O printed serve's own words instead
// (`symbolic link leads outside the root, not sent`, without them on an
// upload), so the same refusal read as two different errors. Now the SCP
// text and the SFTP status text both say `Permission denied (symbolic link
// leads outside the root)`, naming the client's path from the root.
import { readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { runProgram, type ProgramRun } from '../helpers/run-program';
import { emptyRoot, servePerSuite, sftpBatch } from '../helpers/serve';
import { outsideDirPerTest, tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite();
const localDir = tempDirPerTest('scpipe-test-outside-words-');
const outsideDir = outsideDirPerTest();
afterEach(() => emptyRoot(serve));

const scp = (...args: string[]): Promise<ProgramRun> => runProgram('scp', ['-q', ...serve.sshArgs(), ...args]);
const WORDS = 'Permission denied (symbolic link leads outside the root)';

it('scp -O, scp, sftp and scpipe all say Permission denied, down and up; nothing is copied either way', async () => {
  const [local, outside] = [localDir(), outsideDir()];
  await symlink(join(outside, 'secret'), join(serve.root, 'outf'));
  await symlink(outside, join(serve.root, 'out'));
  await writeFile(join(local, 'f'), 'planted');
  expect(await scp('-O', '127.0.0.1:outf', join(local, 'got'))).toMatchObject({ status: 1, stderr: `scp: /outf: ${WORDS}\n` });
  expect(await scp('-O', join(local, 'f'), '127.0.0.1:outf')).toMatchObject({ status: 1, stderr: `scp: /outf: ${WORDS}\n` });
  expect(await scp('-O', join(local, 'f'), '127.0.0.1:out/')).toMatchObject({ status: 1, stderr: `scp: /out: ${WORDS}\n` });
  expect(await scp('127.0.0.1:outf', join(local, 'got'))).toMatchObject({ status: 1, stderr: expect.stringMatching(/^scp: stat remote: Permission denied\r?\n$/) });
  expect(await scp(join(local, 'f'), '127.0.0.1:outf')).toMatchObject({ status: 1, stderr: expect.stringMatching(/dest open "outf": Permission denied\r?\n/) });
  const s = await sftpBatch(serve, [`-get outf ${join(local, 'got')}`, `-put ${join(local, 'f')} outf`]);
  expect(s.stderr.replace(/\r/g, '')).toBe('stat remote: Permission denied\ndest open "/outf": Permission denied\n');
  const got = await runCli(['get', ...serve.scpipeArgs(), '--protocol', 'sftp', '--retries', '0', '--output', join(local, 'got'), 'backup@127.0.0.1:outf']);
  expect(got).toMatchObject({ status: 1, stderr: expect.stringContaining(`/outf: ${WORDS}`) });
  // Left: outside as it was (outsideDirPerTest), nothing fetched, the links as they were.
  expect(await readdir(local)).toEqual(['f']);
  expect((await readdir(serve.root)).sort()).toEqual(['out', 'outf']);
});
