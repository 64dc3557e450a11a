// Options a JavaScript program can get wrong where TypeScript would have
// said so: refused with ERR_USAGE before anything connects, rather than
// taken as their default (a protocol 'SFTP' went as auto, over SCP).
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { download, get, getTo, put, putMany, upload, type ConnectOptions, type Protocol } from '../../lib';
import { connectOptions, remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
const target = () => connectOptions(sshd, sshd.rssh);

it('a protocol not auto, scp or sftp: ERR_USAGE from every call, no command run remotely, nothing stored on either side', async () => {
  const dir = await userDir(sshd.rssh, 'slip-protocol');
  await put(target(), `${dir}/there`, Buffer.from('kept'));
  await writeFile(join(dir, 'local'), 'local');
  const before = (await sshd.rsshLog()).length;
  const protocol = 'SFTP' as Protocol;
  const usage = { code: 'ERR_USAGE', message: 'bad protocol "SFTP": give auto, scp, sftp' };
  const input = Readable.from([Buffer.from('new')]);
  await expect(put(target(), `${dir}/new`, input, { protocol })).rejects.toMatchObject(usage);
  expect(input.destroyed).toBe(true);
  await expect(put(target(), `${dir}/set`, Buffer.from('new'), { protocol, partSize: 2 })).rejects.toMatchObject(usage);
  const many = await putMany([{ target: target(), remotePath: `${dir}/many` }], Buffer.from('new'), () => ({ protocol }));
  expect(many).toMatchObject([{ ok: false, error: usage }]);
  await expect(get(target(), `${dir}/there`, { protocol })).rejects.toMatchObject(usage);
  await expect(getTo(target(), `${dir}/there`, join(dir, 'out'), { protocol })).rejects.toMatchObject(usage);
  await expect(upload(target(), [join(dir, 'local')], `${dir}/up`, { protocol })).rejects.toMatchObject(usage);
  await expect(download(target(), [`${dir}/there`], join(dir, 'down'), { protocol })).rejects.toMatchObject(usage);
  expect((await sshd.rsshLog()).length).toBe(before);
  expect((await readdir(dir)).sort()).toEqual(['local', 'there']);
});

it('download of no remote path: ERR_USAGE, as upload of no local path, and no connection made', async () => {
  const dir = await userDir(sshd.rssh, 'slip-nothing');
  const before = (await sshd.rsshLog()).length;
  const nothing = { code: 'ERR_USAGE', message: 'nothing to copy' };
  await expect(upload(target(), [], dir)).rejects.toMatchObject(nothing);
  await expect(download(target(), [], join(dir, 'down'))).rejects.toMatchObject(nothing);
  expect((await sshd.rsshLog()).length).toBe(before);
  expect(await readdir(dir)).toEqual([]);
});

it('a transport not ssh2 or openssh, a stallTimeoutMs not a number of 0 or more, a startTimeoutMs not one of 1 ms or more: ERR_USAGE, no command run remotely', async () => {
  const dir = await userDir(sshd.rssh, 'slip-target');
  await put(target(), `${dir}/there`, Buffer.from('kept'));
  const before = (await sshd.rsshLog()).length;
  const transport = { ...target(), transport: 'OpenSSH' } as unknown as ConnectOptions;
  const badTransport = { code: 'ERR_USAGE', message: 'bad transport "OpenSSH": give ssh2, openssh' };
  await expect(put(transport, `${dir}/new`, Buffer.from('new'))).rejects.toMatchObject(badTransport);
  await expect(getTo(transport, `${dir}/there`, join(dir, 'out'))).rejects.toMatchObject(badTransport);
  await expect(download(transport, [`${dir}/there`], join(dir, 'down'))).rejects.toMatchObject(badTransport);
  for (const stallTimeoutMs of [-5, '5000', NaN]) {
    const stall = { ...target(), stallTimeoutMs } as ConnectOptions;
    await expect(get(stall, `${dir}/there`)).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: `bad stallTimeoutMs "${String(stallTimeoutMs)}": give a number of milliseconds, 0 (never) or more`,
    });
  }
  for (const startTimeoutMs of [0, -5, 0.5, '5000', NaN, 2 ** 31]) {
    const start = { ...target(), startTimeoutMs } as ConnectOptions;
    await expect(put(start, `${dir}/new`, Buffer.from('new'), { protocol: 'scp' })).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: `bad startTimeoutMs "${String(startTimeoutMs)}": give a number of milliseconds from 1 to 2147483647`,
    });
  }
  expect((await sshd.rsshLog()).length).toBe(before);
  expect((await readdir(dir)).sort()).toEqual(['there']);
});

it('a mode not a whole number 0 to 0o7777: ERR_USAGE over SCP and SFTP alike, before a byte is sent', async () => {
  const dir = await userDir(sshd.rssh, 'slip-mode');
  const sftpDir = await userDir(sshd.sftp, 'slip-mode');
  const before = (await sshd.rsshLog()).length;
  for (const mode of ['644', -1, 0o17777, 420.5]) {
    const usage = { code: 'ERR_USAGE', message: `mode: give a whole number 0 to 0o7777 (as 0o644), not ${typeof mode} ${String(mode)}` };
    await expect(put(target(), `${dir}/f`, Buffer.from('x'), { mode: mode as number })).rejects.toMatchObject(usage);
    await expect(put(target(), `${dir}/set`, Buffer.from('x'), { mode: mode as number, partSize: 1 })).rejects.toMatchObject(usage);
    await expect(put(connectOptions(sshd, sshd.sftp), `${remotePath(sshd.sftp, sftpDir)}/f`, Buffer.from('x'), { mode: mode as number })).rejects.toMatchObject(usage);
  }
  expect((await sshd.rsshLog()).length).toBe(before);
  expect(await readdir(dir)).toEqual([]);
  expect(await readdir(sftpDir)).toEqual([]);
});

it('a quote not posix, double or none: ERR_USAGE from every call, no command run remotely, nothing stored', async () => {
  const dir = await userDir(sshd.rssh, 'slip-quote');
  await put(target(), `${dir}/there`, Buffer.from('kept'));
  await writeFile(join(dir, 'local'), 'local');
  const before = (await sshd.rsshLog()).length;
  const quote = 'bogus' as 'posix';
  const usage = { code: 'ERR_USAGE', message: 'bad quote "bogus": give posix, double, none' };
  await expect(put(target(), `${dir}/a b`, Buffer.from('new'), { quote })).rejects.toMatchObject(usage);
  await expect(get(target(), `${dir}/there`, { quote })).rejects.toMatchObject(usage);
  await expect(upload(target(), [join(dir, 'local')], `${dir}/up`, { quote })).rejects.toMatchObject(usage);
  await expect(download(target(), [`${dir}/there`], join(dir, 'down'), { quote })).rejects.toMatchObject(usage);
  expect((await sshd.rsshLog()).length).toBe(before);
  expect((await readdir(dir)).sort()).toEqual(['local', 'there']);
});
