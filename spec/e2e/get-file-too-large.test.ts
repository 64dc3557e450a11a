// A restore onto a file system that holds no file that large (FAT: 4 GiB),
// or under a file-size limit (`ulimit -f`, as here): both are EFBIG, "File
// too large". User sees that more room would not help and where to write
// instead, exit 1. Left: the file that was there, as it was, and no
// temporary file.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { rsshSidesPerTest } from '../helpers/rssh-sides';
import { CLI, shellQuote } from '../helpers/cli';

const sshd = sshdPerSuite();
const sides = rsshSidesPerTest(sshd, 'get-efbig');

describe('get --output past the largest file allowed (EFBIG)', () => {
  beforeEach(() => sshd.setRsshAllowed(['scp', 'sftp']));
  afterEach(() => sshd.setRsshAllowed(['scp']));
  it.each([['-O'], ['-s']])('get %s: says it is no matter of room, and what to do', async (protocol) => {
    const source = await sides.remoteFile('big.bin', randomBytes(3 << 20));
    const target = join(sides.local, 'got');
    await writeFile(target, 'old');
    const cli = shellQuote([process.execPath, CLI, 'get', protocol, ...sides.flags(), '--output', target, sides.at(source)]);
    const r = spawnSync('bash', ['-c', `ulimit -f 1024; ${cli}`], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: process.env.SCPIPE_TEST_HOME } });
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 1,
      stderr: `scpipe: ${target}: File too large (the file is 3 MiB, larger than a file may be there: the largest file its file system holds (FAT: 4 GiB), or the file-size limit, ulimit -f; more room would not help: write it to a file system that holds a file that large, or raise ulimit -f)\n`,
    });
    expect(await readdir(sides.local)).toEqual(['got']);
    expect(await readFile(target, 'utf8')).toBe('old');
  });
});
