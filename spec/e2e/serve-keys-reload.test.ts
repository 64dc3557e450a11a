// sshd reads authorized_keys at every login, so a key removed from the file
// is refused from the next login on. `scpipe serve` read it once at start:
// a revoked key kept logging in until a restart, which cuts every transfer
// in flight. Now the file is read again whenever it changed.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { runCli } from '../helpers/cli';
import { servePerSuite, sftpBatch } from '../helpers/serve';
import { runProgram } from '../helpers/run-program';

const serve = servePerSuite();

const keysFile = (): string => join(serve.dir, 'authorized_keys');
const lsWith = (key: string) =>
  runProgram('sftp', ['-q', ...serve.sshArgs().map((a) => (a === serve.keyPath ? key : a)), '-b', '-', '127.0.0.1'], 'ls /\n');

// The count an operator checks once a client's key was added or removed, and serve restarted.
it('says at start how many keys it took from the file', async () => {
  await waitFor(() => serve.log().includes('authorized keys'), 'the line of the keys');
  expect(serve.log()).toContain(`scpipe: host key ${serve.hostKeyFingerprint} (from ${join(serve.dir, 'host_key')})\nscpipe: authorized keys ${keysFile()}: 1 key\n`);
});

it('refuses a key removed from the file and accepts one added, without a restart', async () => {
  const second = join(serve.dir, 'id_second');
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', second, '-C', 'second']);
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(0);
  expect((await lsWith(second)).status).toBe(255);

  // Replaced by a new file, as an editor or `mv` does: the first key is gone, the second is in.
  await writeFile(`${keysFile()}.new`, await readFile(`${second}.pub`));
  await rename(`${keysFile()}.new`, keysFile());
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(255);
  expect((await lsWith(second)).status).toBe(0);
  expect(serve.log()).toContain(`${keysFile()} changed: 1 key from now on\n`);

  // Edited in place: both keys.
  await writeFile(keysFile(), (await readFile(`${serve.keyPath}.pub`, 'utf8')) + (await readFile(`${second}.pub`, 'utf8')));
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(0);
  expect((await lsWith(second)).status).toBe(0);
  expect(serve.log()).toContain(`${keysFile()} changed: 2 keys from now on\n`);
});

it('refuses every key while the file is gone, and says so once', async () => {
  await rename(keysFile(), `${keysFile()}.away`);
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(255);
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(255);
  const said = serve.log().split('\n').filter((l) => l.includes('every key is refused until it can be read'));
  expect(said).toEqual([`scpipe: cannot read authorized keys ${keysFile()}: No such file or directory; every key is refused until it can be read`]);
  await rename(`${keysFile()}.away`, keysFile());
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(0);
});

// As sshd's StrictModes: a keys file another local user may write lets that user add a key.
it('refuses every key while others may write the file, says why, and takes it again once fixed', async () => {
  await chmod(keysFile(), 0o666);
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(255);
  await waitFor(() => serve.log().includes('may write it'), 'the refusal logged');
  expect(serve.log()).toContain(`scpipe: authorized keys ${keysFile()}: group or others may write it (mode 0666): chmod go-w it; every key is refused until it is fixed\n`);
  await chmod(keysFile(), 0o600);
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(0);
});

// A directory above it that others may write lets them put their file in its place: checked at each login too.
it('refuses every key while a directory above the file may be written by others, and takes it again once fixed', async () => {
  await chmod(serve.dir, 0o777);
  try {
    expect((await sftpBatch(serve, ['ls /'])).status).toBe(255);
    expect((await sftpBatch(serve, ['ls /'])).status).toBe(255);
    const said = `scpipe: authorized keys ${keysFile()}: ${serve.dir}, a directory above it, may be written by others (mode 0777); every key is refused until it is fixed\n`;
    await waitFor(() => serve.log().includes(said), 'the refusal logged');
    expect(serve.log().split(said).length - 1).toBe(1);
  } finally {
    await chmod(serve.dir, 0o700);
  }
  // The file itself did not change: fixing the directory is enough.
  expect((await sftpBatch(serve, ['ls /'])).status).toBe(0);
});

describe('a keys file others may write, at start', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scpipe-test-keysmode-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  // Exit 2 before it listens, naming what to change.
  async function refusal(keys: string): Promise<{ status: number | null; stderr: string }> {
    await mkdir(join(dir, 'root'));
    const r = await runCli(['serve', '--root', join(dir, 'root'), '--addr', '127.0.0.1:0', '--host-key', join(serve.dir, 'host_key'), '--authorized-keys', keys]);
    return { status: r.status, stderr: r.stderr };
  }

  it('is refused when its mode lets others write it', async () => {
    const keys = join(dir, 'authorized_keys');
    await writeFile(keys, await readFile(`${serve.keyPath}.pub`));
    await chmod(keys, 0o664);
    expect(await refusal(keys)).toEqual({ status: 2, stderr: `scpipe: authorized keys ${keys}: group or others may write it (mode 0664): chmod go-w it\n` });
  });

  it('is refused in a directory others may write (not sticky), where they could put theirs in its place', async () => {
    await mkdir(join(dir, 'open'));
    await chmod(join(dir, 'open'), 0o777);
    const keys = join(dir, 'open', 'authorized_keys');
    await writeFile(keys, await readFile(`${serve.keyPath}.pub`));
    expect(await refusal(keys)).toEqual({ status: 2, stderr: `scpipe: authorized keys ${keys}: ${join(dir, 'open')}, a directory above it, may be written by others (mode 0777)\n` });
  });
});
