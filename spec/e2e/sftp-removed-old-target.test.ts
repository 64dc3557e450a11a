// A server without posix-rename: the old target is removed before the
// upload is renamed onto its name. What the user is told when something
// else goes wrong after that removal, against the hostile fake (which
// offers no posix-rename and answers a RENAME onto a taken name FAILURE).
import { runCli } from '../helpers/cli';
import { OLD_TARGET, startHostileSftp, type HostileSftp } from '../helpers/hostile-sftp';

let fake: HostileSftp | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const FAILURE = 4;
const removedOld = () => fake!.uploads.ops.includes('remove /d/f');

it('the temporary file removed by someone between the removal and the rename: said gone, not whole', async () => {
  fake = await startHostileSftp({
    ...OLD_TARGET,
    stat: (p) => (p === '/d/f' && removedOld() ? undefined : OLD_TARGET.stat(p)),
    renameStatus: (from) => {
      if (!removedOld()) return FAILURE;
      fake!.uploads.files.delete(from); // someone else's removal, just before the second rename
      return undefined;
    },
  });
  const r = await runCli(['put', ...fake.args(), '-s', '--retries', '0', 'backup@127.0.0.1:/d/f'], { stdin: Buffer.alloc(100_000, 3) });
  expect(r.stderr).toMatch(
    /^scpipe: \/d\/f: the old file was removed to rename the upload onto its name \(the server has no posix-rename\), but the temporary file \/d\/\.f\.scpipe-\w{6} was removed too \(by hand, or by another run's --remove-stale\), so neither is stored\n$/,
  );
  expect(r.stderr).not.toContain('whole');
  expect(r.status).toBe(1);
  expect([...fake.uploads.files.keys()]).toEqual([]);
}, 60_000);
