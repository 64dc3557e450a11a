// An SFTP server that answers a request with a reply of the wrong type: a
// STATUS OK where a HANDLE, ATTRS, NAME or DATA is due, a NAME where ATTRS
// is. ssh2 hands any reply to the request of its id, so these went on as
// nothing: a STATUS OK to a READDIR ended the listing (a directory copied
// as empty, exit 0), one to an FSTAT crashed put with a stack trace, one to
// a READ read as a file that shrank. Each is now a protocol error, as
// OpenSSH's sftp has it ("Expected SSH2_FXP_…"): exit 1, the request named,
// no file under the local target, nothing under the remote name.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { targetDirPerTest } from '../helpers/temp-dir';
import { runCli } from '../helpers/cli';
import { rawReply, startHostileSftp, type FakeTree, type HostileSftp } from '../helpers/hostile-sftp';

const data = randomBytes(100_000);
let fake: HostileSftp | undefined;
// work()/target is the target; nothing else may appear in work()
const work = targetDirPerTest('scpipe-test-reply-kinds-', async () => {
  await fake?.stop();
  fake = undefined;
});

// A tree of /d holding f, with `request` (on the path it names, or its handle) answered by `lie` instead.
function lyingTree(request: string, lie: (sftp: SFTPWrapper, reqid: number) => void): FakeTree {
  const entries: Record<string, { kind: 'dir' | 'file'; data?: Buffer }> = { '/': { kind: 'dir' }, '.': { kind: 'dir' }, '/d': { kind: 'dir' }, '/d/f': { kind: 'file', data } };
  return {
    stat: (path) => entries[path],
    list: (path, call) => (path === '/d' && call === 0 ? ['f'] : undefined),
    replyInstead: (kind, sftp, reqid) => kind === request && (lie(sftp, reqid), true),
  };
}

const statusOk = (sftp: SFTPWrapper, reqid: number): void => void sftp.status(reqid, 0);
const noNames = (sftp: SFTPWrapper, reqid: number): void => void sftp.name(reqid, []);

// What ssh2 hands over cannot tell these apart from the reply due: a DATA
// to an OPEN was taken as the handle, a HANDLE to a READ as the file's
// bytes, an EXTENDED_REPLY to a WRITE or RENAME as its STATUS OK.
const extendedReply = (sftp: SFTPWrapper, reqid: number): void => rawReply(sftp, 201, reqid, Buffer.alloc(0));
const dataReply = (sftp: SFTPWrapper, reqid: number): void => void sftp.data(reqid, Buffer.from('0'));
const handleReply = (sftp: SFTPWrapper, reqid: number): void => void sftp.handle(reqid, Buffer.from('0'));

describe('cp -r and get from a server that answers with the wrong reply', () => {
  it.each([
    ['READDIR', 'STATUS OK', 'cp', statusOk, 'readdir of "/d" answered with STATUS OK, not NAME'],
    ['OPEN', 'NAME', 'cp', noNames, 'open of "/d/f" answered with NAME, not HANDLE'],
    ['FSTAT', 'STATUS OK', 'get', statusOk, 'fstat of "/d/f" answered with STATUS OK, not ATTRS'],
    ['STAT', 'NAME', 'get', noNames, 'stat of "/d/f" answered with NAME, not ATTRS'],
    ['READ', 'STATUS OK', 'get', statusOk, 'read at 0 of "/d/f" answered with STATUS OK, not DATA'],
    ['OPEN', 'DATA', 'cp', dataReply, 'open of "/d/f" answered with DATA, not HANDLE'],
    ['OPENDIR', 'DATA', 'cp', dataReply, 'opendir of "/d" answered with DATA, not HANDLE'],
    ['READ', 'HANDLE', 'get', handleReply, 'read at 0 of "/d/f" answered with HANDLE, not DATA'],
  ])('%s answered with %s (%s): exit 1, a protocol error naming it, nothing written (cp -r: the directory it made, empty)', async (request, _reply, command, lie, why) => {
    fake = await startHostileSftp(lyingTree(request, lie));
    const args = command === 'cp' ? ['cp', '-r', '-s', 'backup@127.0.0.1:/d', join(work(), 'target')] : ['get', '-s', '--retries', '0', 'backup@127.0.0.1:/d/f', '--output', join(work(), 'target', 'f')];
    const r = await runCli([args[0]!, ...fake.args(), ...args.slice(1)], { timeoutMs: 30_000 });
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: SFTP protocol error from the server: ${why}\n` });
    expect(await readdir(join(work(), 'target'), { recursive: true })).toEqual(command === 'cp' ? ['d'] : []);
  });
});

it('put whose FSTAT of the written file is answered with STATUS OK: exit 1 saying so, no crash, nothing under the name', async () => {
  fake = await startHostileSftp(lyingTree('FSTAT', statusOk));
  const r = await runCli(['put', ...fake.args(), '-s', '--retries', '0', 'backup@127.0.0.1:/up'], { stdin: data, timeoutMs: 30_000 });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^scpipe: SFTP protocol error from the server: fstat of "\/\.up\.scpipe-\w{6}" answered with STATUS OK, not ATTRS(; the partial upload is left in \/\.up\.scpipe-\w{6})?\n$/);
  expect([...fake.uploads.files.keys()].filter((name) => !/^\/\.up\.scpipe-\w{6}$/.test(name))).toEqual([]);
});

describe('a reply of a type that looks like the one due', () => {
  // Its one channel broke: the temporary file is named, not removed (the rename may have been made).
  it.each([
    ['WRITE', 'write of "/.up.scpipe-X" answered with EXTENDED_REPLY, not a STATUS; the partial upload is left in /.up.scpipe-X'],
    ['RENAME', `rename of "/up" answered with EXTENDED_REPLY, not a STATUS; the rename's answer was lost, so the upload, whole, is either in place as /up or left in /.up.scpipe-X: whichever of the two names exists holds it`],
  ])('put whose %s is answered with an EXTENDED_REPLY: exit 1 saying so, nothing under the name, its temporary file left', async (request, why) => {
    fake = await startHostileSftp(lyingTree(request, extendedReply));
    const r = await runCli(['put', ...fake.args(), '-s', '--parallel', '1', '--retries', '0', 'backup@127.0.0.1:/up'], { stdin: data, timeoutMs: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.replace(/scpipe-\w{6}/g, 'scpipe-X')).toBe(`scpipe: SFTP protocol error from the server: ${why}\n`);
    expect([...fake.uploads.files.keys()]).toEqual([expect.stringMatching(/^\/\.up\.scpipe-\w{6}$/)]);
  });

  // The rename's channel broke, the other still up: the file is not removed over it, as the rename may have been made.
  it('put --parallel 2 whose RENAME is answered with an EXTENDED_REPLY: the same message naming both names, its temporary file left', async () => {
    fake = await startHostileSftp(lyingTree('RENAME', extendedReply));
    const r = await runCli(['put', ...fake.args(), '-s', '--parallel', '2', '--retries', '0', 'backup@127.0.0.1:/up'], { stdin: data, timeoutMs: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.replace(/scpipe-\w{6}/g, 'scpipe-X')).toBe(`scpipe: SFTP protocol error from the server: rename of "/up" answered with EXTENDED_REPLY, not a STATUS; the rename's answer was lost, so the upload, whole, is either in place as /up or left in /.up.scpipe-X: whichever of the two names exists holds it\n`);
    expect([...fake.uploads.files.keys()]).toEqual([expect.stringMatching(/^\/\.up\.scpipe-\w{6}$/)]);
  });
});

// statvfs@openssh.com is asked after a write's bare Failure, to say its
// cause: a STATUS OK there was read as a statvfs (a TypeError the
// explanation swallowed, the server's breach unsaid). Now the protocol error
// is the run's failure, not a disk-full explanation.
describe('extended requests answered with the wrong reply', () => {
  const attrsReply = (sftp: SFTPWrapper, reqid: number): void => void sftp.attrs(reqid, { mode: 0o100644, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 });
  it.each([
    ['STATUS OK', statusOk],
    ['ATTRS', attrsReply],
  ])('statvfs after a refused write answered with %s: exit 1, a protocol error, the partial upload named', async (reply, lie) => {
    fake = await startHostileSftp({ ...lyingTree('NONE', statusOk), failWrite: () => true, extensions: { 'statvfs@openssh.com': lie } });
    const r = await runCli(['put', ...fake.args(), '-s', '--parallel', '1', '--retries', '0', 'backup@127.0.0.1:/up'], { stdin: data, timeoutMs: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.replace(/scpipe-\w{6}/g, 'scpipe-X')).toBe(`scpipe: SFTP protocol error from the server: statvfs of "/" answered with ${reply}, not EXTENDED_REPLY; the partial upload is left in /.up.scpipe-X\n`);
    expect([...fake.uploads.files.keys()]).toEqual([expect.stringMatching(/^\/\.up\.scpipe-\w{6}$/)]);
  });

  it.each([
    ['an EXTENDED_REPLY', extendedReply, 'EXTENDED_REPLY'],
    ['a STATUS OK', statusOk, 'STATUS OK'],
  ])('expand-path of ~user/f answered with %s: exit 1, a protocol error, nothing written', async (_what, lie, reply) => {
    fake = await startHostileSftp({ ...lyingTree('NONE', statusOk), extensions: { 'expand-path@openssh.com': lie } });
    const r = await runCli(['get', ...fake.args(), '-s', '--retries', '0', 'backup@127.0.0.1:~other/f', '--output', join(work(), 'target', 'f')], { timeoutMs: 30_000 });
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: SFTP protocol error from the server: expand-path of "~other/f" answered with ${reply}, not NAME\n` });
    expect(await readdir(join(work(), 'target'))).toEqual([]);
  });

  it('get --resume whose REALPATH is answered with a STATUS OK: exit 1, a protocol error, nothing written', async () => {
    fake = await startHostileSftp(lyingTree('REALPATH', statusOk));
    const r = await runCli(['get', ...fake.args(), '-s', '--retries', '0', '--resume', 'backup@127.0.0.1:/d/f', '--output', join(work(), 'target', 'f')], { timeoutMs: 30_000 });
    expect(r).toMatchObject({ status: 1, stderr: 'scpipe: SFTP protocol error from the server: realpath of "/d/f" answered with STATUS OK, not NAME\n' });
    expect(await readdir(join(work(), 'target'))).toEqual([]);
  });
});

// A NAME whose entries run past its end: ssh2 said "Malformed NAME packet",
// naming no directory, or, where a name's length ran past the end, handed
// over an entry with no name, after the names before it were judged (a
// Latin-1 one refused as not UTF-8). It is refused whole now, before any
// name is looked at, naming the request and its path.
describe('a malformed NAME reply', () => {
  const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const entry = (name: Buffer): Buffer => Buffer.concat([u32(name.length), name, u32(name.length), name, u32(0)]);
  const nameReply = (body: Buffer) => (sftp: SFTPWrapper, reqid: number): void => rawReply(sftp, 104, reqid, body);
  it.each([
    ['a count past its entries', 'READDIR', Buffer.concat([u32(2), entry(Buffer.from('f'))])],
    ['a name longer than the packet', 'READDIR', Buffer.concat([u32(1), u32(1000), Buffer.from('f')])],
    ['a Latin-1 name, then a name cut short', 'READDIR', Buffer.concat([u32(2), entry(Buffer.from([0xe9])), u32(100), Buffer.alloc(12)])],
    ['a count past its entries', 'REALPATH', Buffer.concat([u32(2), entry(Buffer.from('/d/f'))])],
  ])('%s, to a %s: exit 1, a protocol error naming the path, nothing written', async (_shape, request, body) => {
    fake = await startHostileSftp(lyingTree(request, nameReply(body)));
    const cp = request === 'READDIR';
    const args = cp ? ['-r', '-s', 'backup@127.0.0.1:/d', join(work(), 'target')] : ['-s', '--retries', '0', '--resume', 'backup@127.0.0.1:/d/f', '--output', join(work(), 'target', 'f')];
    const r = await runCli([cp ? 'cp' : 'get', ...fake.args(), ...args], { timeoutMs: 30_000 });
    const what = cp ? 'readdir of "/d"' : 'realpath of "/d/f"';
    expect(r).toMatchObject({ status: 1, stderr: `scpipe: SFTP protocol error from the server: ${what} answered with a malformed NAME (an entry past its end)\n` });
    expect(await readdir(join(work(), 'target'), { recursive: true })).toEqual(cp ? ['d'] : []);
  });
});
