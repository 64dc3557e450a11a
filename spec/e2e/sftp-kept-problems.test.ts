// cp -r over SFTP goes on after a file it cannot send (unreadable, a FIFO),
// says each one and throws the first at the end: it keeps only the first
// problems, where it kept every one, ~800 bytes each, 160 MiB for a tree of
// 200,000 unreadable files.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelOpener } from '../../lib/client/connection';
import { SftpTreeWriter } from '../../lib/client/sftp-tree-writer';
import type { ScpipeError } from '../../lib/errors';
import { sendLocalPaths } from '../../lib/fs/local-source';
import { SftpSession } from '../../lib/sftp/session';
import { KEPT_PROBLEMS } from '../../lib/util/kept-problems';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();

it('a tree of more FIFOs than the problems kept: each said, the first thrown, the files stored, only the first problems held', async () => {
  const local = await mkdtemp(join(tmpdir(), 'scpipe-test-kept-'));
  const opener = new ChannelOpener(connectOptions(sshd, sshd.user));
  try {
    const tree = join(local, 'tree');
    await mkdir(tree);
    const fifos = KEPT_PROBLEMS + 50;
    execFileSync('mkfifo', Array.from({ length: fifos }, (_, i) => join(tree, `p${String(i).padStart(3, '0')}`)));
    await writeFile(join(tree, 'good'), 'good');
    const dir = await userDir(sshd.user, 'kept');
    const session = new SftpSession((await opener.sftp(new AbortController().signal)).session, 'sftp', opener.whyLost);
    const said: ScpipeError[] = [];
    const writer = new SftpTreeWriter(session, { path: dir, isDirectory: true }, { preserve: false, onProblem: (err) => said.push(err) });
    await sendLocalPaths(writer, [tree], { recursive: true, preserve: false });
    await writer.said();
    expect(said).toHaveLength(fifos);
    expect(said.every((err) => err.message.endsWith(': not a regular file'))).toBe(true);
    expect(writer.problems.count).toBe(fifos);
    expect(writer.problems.items).toHaveLength(KEPT_PROBLEMS);
    expect(writer.problems.first).toBe(said[0]);
    expect(await readdir(join(dir, 'tree'))).toEqual(['good']);
    session.end();
  } finally {
    opener.close();
    await rm(local, { recursive: true, force: true });
  }
});
