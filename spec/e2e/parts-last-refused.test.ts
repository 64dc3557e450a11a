// A parts set goes into the manifest only when every part is confirmed.
// The case only put-parts.ts's last check catches: the stream has ended
// (every part is cut) when the remote refuses the last part. The remote
// here is the real scp behind --scp-path, refusing one name as a full or
// read-only disk would. User sees: exit 1, the set incomplete, the parts
// confirmed. Left remotely: those parts, and no manifest.
import { randomBytes } from 'node:crypto';
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();

it('the last part refused after the whole stream was cut: exit 1, no manifest', async () => {
  const dir = await userDir(sshd.user, 'last-refused');
  const rdir = remotePath(sshd.user, dir);
  const scp = join(dir, 'remote-scp');
  // `scp -t` answers a refusal with \1 instead of its first \0, as it does for an unwritable target.
  await writeFile(scp, '#!/bin/sh\ncase "$1" in -t) for last; do :; done; case "$last" in *.000002) printf \'\\001scp: %s: Permission denied\\n\' "$last"; exit 1;; esac;; esac\nexec scp "$@"\n');
  await chmod(scp, 0o755);
  const data = randomBytes(2.5 * 1024 * 1024);
  const r = await runCli(['put', ...sshFlags(sshd, sshd.user), '-O', '--scp-path', scp, '--part-size', '1M', '--parallel', '1', remote(sshd, sshd.user, `${rdir}/p.bin`)], { stdin: data });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/Permission denied; the parts set p\.bin is incomplete \(no manifest p\.bin\.sha256\): 2 part\(s\) confirmed remotely: p\.bin\.000000\.\.p\.bin\.000001\n$/);
  expect((await readdir(dir)).sort()).toEqual(['p.bin.000000', 'p.bin.000001', 'remote-scp']);
  expect(Buffer.concat([await readFile(join(dir, 'p.bin.000000')), await readFile(join(dir, 'p.bin.000001'))]).equals(data.subarray(0, 2 * 1024 * 1024))).toBe(true);
});
