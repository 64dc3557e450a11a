// An SCP upload cut while the answer to its file header is on its way:
// OpenSSH's scp -t has taken the header and made the file (empty) before it
// answered, so the run's message names that file and what a rerun does to
// it, whichever way the run ended (SIGINT, a lost connection, a producer that
// failed under parts). The answer is held by a relay in front of the real
// scp -t (held-reply.ts), so the cut lands in that wait for certain.
import { execFileSync } from 'node:child_process';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { dropConnections } from '../helpers/drop-connections';
import { heldReplies } from '../helpers/held-reply';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const relay = heldReplies();
const sshd = sshdPerSuite();
afterAll(() => relay.remove());
afterEach(() => relay.release());
const spool = tempDirPerTest('scpipe-test-header-spool-', { mustEndEmpty: true });
const fifos = tempDirPerTest('scpipe-test-header-fifo-');

const LEFT = 'may be left empty: the remote scp makes it as it takes the header, before it answers (a file already there keeps its bytes); a rerun writes over it (with --no-clobber, stops at it)';
const scp = (): string[] => [...sshFlags(sshd, sshd.user), '--scp-path', relay.path];
const quoted = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('put: cut while the answer to the file header is awaited', () => {
  it('SIGINT: exit 130, the file named; remotely it is there, empty', async () => {
    const dir = await userDir(sshd.user, 'header-int');
    await relay.hold('ack 2'); // the sink's first \0, then the header's
    const run = startCli(['put', ...scp(), remote(sshd, sshd.user, `${dir}/f`)], { stdin: Buffer.alloc(4096, 1) });
    await relay.held();
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(130);
    expect(r.stderr).toBe(`scpipe: interrupted by SIGINT; the remote file ${dir}/f ${LEFT}\n`);
    expect(await readdir(dir)).toEqual(['f']);
    expect((await stat(join(dir, 'f'))).size).toBe(0);
  });

  it('connection lost, --retries 0: exit 1, the stage and the file named; remotely it is there, empty', async () => {
    const dir = await userDir(sshd.user, 'header-lost');
    await relay.hold('ack 2');
    const run = startCli(['put', ...scp(), '--retries', '0', remote(sshd, sshd.user, `${dir}/f`)], { stdin: Buffer.alloc(4096, 1) });
    await relay.held();
    await dropConnections(sshd);
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^scpipe: connection lost after the file header.*; the remote file ${quoted(dir)}/f ${quoted(LEFT)}\n$`));
    expect(await readdir(dir)).toEqual(['f']);
    expect((await stat(join(dir, 'f'))).size).toBe(0);
  });

  // No byte of a stream of a given size is read before the header's answer:
  // a loss then leaves it whole to send on a new connection.
  it('put --size, connection lost: retried, stored whole; nothing else is left remotely', async () => {
    const dir = await userDir(sshd.user, 'header-sized');
    await relay.hold('ack 2');
    const body = Buffer.alloc(65536, 7);
    const run = startCli(['put', ...scp(), '-v', '--size', String(body.length), remote(sshd, sshd.user, `${dir}/f`)], { stdin: body });
    await relay.held();
    await relay.hold('none'); // the retry's scp -t answers
    await dropConnections(sshd);
    const r = await run.done;
    expect(r.stderr).toMatch(/: connection lost after the file header; .*; retry 1 of \d+ in /);
    expect(r.stderr).toMatch(/\nscpipe: sent 65536 bytes /);
    expect(r.status).toBe(0);
    expect(await readdir(dir)).toEqual(['f']);
    expect(await readFile(join(dir, 'f'))).toEqual(body);
  });

  // Before, the message said only "no part confirmed", and an empty
  // NAME.000000 stayed unnamed on the remote.
  it('parts: the producer fails while the first part is answered: exit 1, that part named', async () => {
    const dir = await userDir(sshd.user, 'header-parts');
    const fifo = join(fifos(), 'go');
    execFileSync('mkfifo', [fifo]);
    await relay.hold('ack 2 only=.000000');
    const producer = `head -c 1048576 /dev/zero; read x < ${fifo}; exit 3`;
    const run = startCli(['put', ...scp(), '--part-size', '1M', '--retries', '0', '--spool-dir', spool(), remote(sshd, sshd.user, `${dir}/p.bin`), '--', 'sh', '-c', producer]);
    await relay.held();
    await writeFile(fifo, 'go\n'); // the producer fails now, the first part's header still unanswered
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `scpipe: the input command exited with status 3: sh -c '${producer}'; the parts set p.bin is incomplete (no manifest p.bin.sha256): no part confirmed; may be left empty remotely (scp makes a file as it takes its header; one already there keeps its bytes): p.bin.000000\n`,
    );
    expect(await readdir(dir)).toEqual(['p.bin.000000']);
    expect((await stat(join(dir, 'p.bin.000000'))).size).toBe(0);
    // The spool directory ends empty (tempDirPerTest).
  });
});
