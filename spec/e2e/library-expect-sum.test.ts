// getTo's expectSha256 as a program gets it from elsewhere: a sum printed in
// capitals is the same sum, and what is no SHA-256 at all is refused before
// a byte is fetched, not found out after the whole download.
import { randomBytes, createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { getTo, put } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
const target = () => connectOptions(sshd, sshd.rssh);
const data = randomBytes(300 * 1024);
const upper = createHash('sha256').update(data).digest('hex').toUpperCase();

it('takes a sum in capitals: the file and a parts set are stored, and the sum given back is lowercase', async () => {
  const dir = await userDir(sshd.rssh, 'expect-upper');
  await put(target(), `${dir}/f`, data);
  await put(target(), `${dir}/set`, data, { partSize: 100 * 1024 });
  const file = await getTo(target(), `${dir}/f`, join(dir, 'f.out'), { expectSha256: upper });
  expect(file.sha256).toBe(upper.toLowerCase());
  expect((await readFile(join(dir, 'f.out'))).equals(data)).toBe(true);
  const set = await getTo(target(), `${dir}/set`, join(dir, 'set.out'), { expectSha256: upper });
  expect(set.sha256).toBe(upper.toLowerCase());
  expect((await readFile(join(dir, 'set.out'))).equals(data)).toBe(true);
});

it('refuses what is not a SHA-256 with ERR_USAGE before connecting: no output made, no command run remotely', async () => {
  const dir = await userDir(sshd.rssh, 'expect-bad');
  await put(target(), `${dir}/f`, data);
  const before = (await sshd.rsshLog()).length;
  for (const bad of ['XYZ', upper.slice(1), `${upper} `]) {
    await expect(getTo(target(), `${dir}/f`, join(dir, 'out'), { expectSha256: bad })).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: `expectSha256 "${bad}" is not a SHA-256 (64 hex digits)`,
    });
  }
  expect((await sshd.rsshLog()).length).toBe(before);
  expect((await readdir(dir)).sort()).toEqual(['f']);
});
