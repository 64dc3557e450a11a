// -v of a parts set over SCP: parts go several at once, so each line of
// their protocol traces names its part. Unnamed, four parts' "< \0 (ok)" and
// "exit status 1" lines ran together and no one could tell whose they were.
import { readdir } from 'node:fs/promises';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
const TRACED = /(\(ok\)|> C0644 |< C0644 |\(end of data\)|\(start\)|\(C ack\)|\(file done\)|exit status )/;

// The lines of a trace of one file (the records and replies of SCP), and those of them that name no file of the set.
function unnamed(stderr: string): { traced: number; unnamed: string[] } {
  const lines = stderr.split('\n').filter((line) => TRACED.test(line));
  return { traced: lines.length, unnamed: lines.filter((line) => !/^scpipe: set\.(\d{6}|sha256): /.test(line)) };
}

it('put -v --part-size over SCP names the part on each line of its trace, and get -v of the set likewise', async () => {
  const dir = await userDir(sshd.rssh, 'parts-verbose');
  const target = remote(sshd, sshd.rssh, `${dir}/set`);
  const put = await runCli(['put', '-v', '-O', '--part-size', '1K', '--parallel', '3', ...sshFlags(sshd, sshd.rssh), target], { stdin: Buffer.alloc(3500, 7) });
  expect(put.status).toBe(0);
  expect(unnamed(put.stderr)).toEqual({ traced: expect.any(Number), unnamed: [] });
  expect(unnamed(put.stderr).traced).toBeGreaterThanOrEqual(5 * 5); // four parts and the manifest, five lines each at least
  expect((await readdir(dir)).sort()).toEqual(['set.000000', 'set.000001', 'set.000002', 'set.000003', 'set.sha256']);

  const get = await runCli(['get', '-v', '-O', '--parts', '--parallel', '3', ...sshFlags(sshd, sshd.rssh), target]);
  expect(get.status).toBe(0);
  expect(get.stdout).toEqual(Buffer.alloc(3500, 7));
  // The manifest is read before the set is known to be one: the parts' traces are those after that line.
  const [before, parts] = get.stderr.split(' is a parts set: ');
  expect(before).toContain('exec: scp -f');
  expect(unnamed(parts!)).toEqual({ traced: expect.any(Number), unnamed: [] });
  expect(unnamed(parts!).traced).toBeGreaterThanOrEqual(4 * 4);
});
