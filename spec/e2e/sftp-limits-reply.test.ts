// A server that answers limits@openssh.com wrongly. ssh2 asks for the limits
// itself as it reads the server's VERSION, before scpipe holds the session,
// and takes whatever comes with the request's id: a STATUS OK made it throw
// a TypeError, which cp reported as a lost connection and retried; a
// HANDLE, NAME, DATA or ATTRS was taken as no limits at all, silently. Each
// is now a protocol error when the session opens: exit 1, the reply named,
// asked once (not retried, no fall back to SCP), nothing written on either side.
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { targetDirPerTest } from '../helpers/temp-dir';
import { runCli } from '../helpers/cli';
import { rawReply, startHostileSftp, type FakeTree, type HostileSftp } from '../helpers/hostile-sftp';

let fake: HostileSftp | undefined;
// work()/target is the target; nothing else may appear in work()
const work = targetDirPerTest('scpipe-test-limits-reply-', async () => {
  await fake?.stop();
  fake = undefined;
});

type Answer = (sftp: SFTPWrapper, reqid: number) => void;

// A tree of /f (100 bytes) and the directory /up, whose limits@openssh.com is answered by `answer`; `asked` counts the requests.
function treeAnswering(answer: Answer): { tree: FakeTree; asked: () => number } {
  let asked = 0;
  const entries: Record<string, { kind: 'dir' | 'file'; data?: Buffer }> = { '/': { kind: 'dir' }, '/up': { kind: 'dir' }, '/f': { kind: 'file', data: Buffer.alloc(100, 1) } };
  const tree: FakeTree = {
    stat: (path) => entries[path],
    list: () => undefined,
    extensions: { 'limits@openssh.com': (sftp, reqid) => (asked++, answer(sftp, reqid)) },
  };
  return { tree, asked: () => asked };
}

const values = (n: number): Buffer => Buffer.alloc(n); // an EXTENDED_REPLY body of n bytes
// A whole packet of type 150 (id 99), which ssh2 refuses as an unknown type.
const badPacket = Buffer.from([0, 0, 0, 5, 150, 0, 0, 0, 99]);
const wrongReplies: Array<[string, Answer, string]> = [
  ['a STATUS OK', (sftp, reqid) => void sftp.status(reqid, 0), 'it answered limits@openssh.com with a STATUS OK, not its limits'],
  ['a HANDLE', (sftp, reqid) => void sftp.handle(reqid, Buffer.from('h')), 'it answered limits@openssh.com with HANDLE, not an EXTENDED_REPLY'],
  ['a NAME', (sftp, reqid) => void sftp.name(reqid, []), 'it answered limits@openssh.com with NAME, not an EXTENDED_REPLY'],
  ['a DATA', (sftp, reqid) => void sftp.data(reqid, Buffer.from('x')), 'it answered limits@openssh.com with DATA, not an EXTENDED_REPLY'],
  ['an ATTRS', (sftp, reqid) => void sftp.attrs(reqid, { mode: 0o644, uid: 0, gid: 0, size: 1, atime: 0, mtime: 0 }), 'it answered limits@openssh.com with ATTRS, not an EXTENDED_REPLY'],
  ['a packet of an unknown type', (sftp, reqid) => rawReply(sftp, 150, reqid, values(32)), 'it answered limits@openssh.com with a packet of type 150, not an EXTENDED_REPLY'],
  ['an EXTENDED_REPLY cut short', (sftp, reqid) => rawReply(sftp, 201, reqid, values(8)), 'it answered limits@openssh.com with an EXTENDED_REPLY of 8 bytes, not its four values (32 bytes)'],
  ['a reply to another request', (sftp, reqid) => rawReply(sftp, 201, reqid + 7, values(32)), 'a reply to request 7, which is not outstanding (limits@openssh.com is)'],
];

// What a download says of a session the server ended instead of answering limits@openssh.com.
const endedInstead: Record<string, string> = {
  ssh2: 'scpipe: /f: stat: the server ended the SFTP session\n',
  openssh: 'scpipe: /f: stat: the SFTP session ended: ssh ended (exit status 255) without saying why: at LogLevel ERROR it does not; -o LogLevel=INFO makes it say\n',
};

describe.each([['ssh2', []], ['openssh', ['--transport', 'openssh']]])('limits@openssh.com answered wrongly (transport %s)', (transport, transportArgs) => {
  it.each(wrongReplies)('%s: a download fails with a protocol error, asked once, nothing written', async (_what, answer, why) => {
    const { tree, asked } = treeAnswering(answer);
    fake = await startHostileSftp(tree);
    const r = await runCli(['cp', ...transportArgs, ...fake.args(), '-q', 'backup@127.0.0.1:/f', join(work(), 'target')]);
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: SFTP protocol error from the server: ${why}\n` });
    expect(asked()).toBe(1);
    expect(await readdir(join(work(), 'target'))).toEqual([]);
  });

  // ssh2 fails the request and emits 'ready', then 'end', before the session listens.
  it('the channel ended instead of a reply: a lost session, not a hang (ssh2) nor exit 0 with nothing copied (openssh)', async () => {
    const { tree, asked } = treeAnswering((sftp) => void sftp.end());
    fake = await startHostileSftp(tree);
    const r = await runCli(['cp', ...transportArgs, ...fake.args(), '-q', '--retries', '0', 'backup@127.0.0.1:/f', join(work(), 'target')]);
    expect(r).toMatchObject({ status: 1, stderr: endedInstead[transport] });
    expect(asked()).toBe(1);
    expect(await readdir(join(work(), 'target'))).toEqual([]);
  });

  // ssh2 has emitted 'ready' and dropped its 'error' listener; the session has not yet added its own.
  it('a bad packet in the same chunk as a right reply: a protocol error, asked once, nothing written', async () => {
    const { tree, asked } = treeAnswering((sftp, reqid) => rawReply(sftp, 201, reqid, values(32), badPacket));
    fake = await startHostileSftp(tree);
    const r = await runCli(['cp', ...transportArgs, ...fake.args(), '-q', 'backup@127.0.0.1:/f', join(work(), 'target')]);
    expect(r).toMatchObject({ status: 1, stderr: 'scpipe: SFTP protocol error from the server: Unknown packet type 150\n' });
    expect(asked()).toBe(1);
    expect(await readdir(join(work(), 'target'))).toEqual([]);
  });
});

it('a STATUS OK to limits@openssh.com fails an upload before anything is opened on the server', async () => {
  const { tree, asked } = treeAnswering((sftp, reqid) => void sftp.status(reqid, 0));
  fake = await startHostileSftp(tree);
  await writeFile(join(work(), 'target', 'a'), Buffer.alloc(1000, 2));
  const r = await runCli(['cp', ...fake.args(), '-q', join(work(), 'target', 'a'), 'backup@127.0.0.1:/up']);
  expect(r).toMatchObject({ status: 1, stderr: 'scpipe: SFTP protocol error from the server: it answered limits@openssh.com with a STATUS OK, not its limits\n' });
  expect(asked()).toBe(1);
  expect(fake.uploads.ops).toEqual([]);
  expect([...fake.uploads.files.keys()]).toEqual([]);
  expect(await readdir(join(work(), 'target'))).toEqual(['a']);
  await rm(join(work(), 'target', 'a'));
});
