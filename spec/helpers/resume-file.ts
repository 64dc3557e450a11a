// A single file on the test sshd for `get --resume`, and the name its kept
// file gets (lib/client/kept-names.ts): the remote size, mtime and a hash of
// the path it is fetched by.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from './sshd';

/** `data` stored as a.bin in a new directory: its host path (for changing it) and the path the account sees. */
export async function storedFile(account: TestAccount, name: string, data: Buffer): Promise<{ host: string; path: string }> {
  const dir = await userDir(account, name);
  await writeFile(join(dir, 'a.bin'), data);
  return { host: join(dir, 'a.bin'), path: `${remotePath(account, dir)}/a.bin` };
}

/** The kept file's name in `out`'s directory for the remote file as it is now, fetched by `path`. */
export function keptName(host: string, path: string): string {
  const st = statSync(host);
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 8);
  return `out.scpipe-partial-${st.size}-${Math.floor(st.mtimeMs / 1000)}-${hash}`;
}
