// A test's two sides for end-to-end runs through the rssh-restricted
// account: a remote directory that account owns and a local temporary one,
// both new for each test, with the flags and names that reach the first.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote, sshFlags } from './cli';
import { userDir, type TestSshd } from './sshd';

export interface RsshSides {
  /** The remote side's directory (owned by scpipe-rssh). */
  rdir: string;
  /** The local side's directory, removed after the test. */
  local: string;
  flags(): string[];
  /** `path` as a target on the rssh account. */
  at(path: string): string;
  /** A file the remote user can read: written as root in rdir, then handed over. */
  remoteFile(name: string, data: Buffer | string, mode?: number): Promise<string>;
}

/** Registers beforeEach/afterEach in the current scope; `name` tells the remote directories apart. */
export function rsshSidesPerTest(sshd: TestSshd, name: string): RsshSides {
  const sides: RsshSides = {
    rdir: '',
    local: '',
    flags: () => sshFlags(sshd, sshd.rssh),
    at: (path) => remote(sshd, sshd.rssh, path),
    remoteFile: async (file, data, mode = 0o644) => {
      const p = join(sides.rdir, file);
      await writeFile(p, data);
      await chmod(p, mode);
      return p;
    },
  };
  beforeEach(async () => {
    sides.rdir = await userDir(sshd.rssh, name);
    sides.local = await mkdtemp(join(tmpdir(), 'scpipe-test-local-'));
  });
  afterEach(async () => {
    await rm(sides.local, { recursive: true, force: true });
  });
  return sides;
}
