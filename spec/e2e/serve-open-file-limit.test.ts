// scpipe serve out of descriptors (its `ulimit -n`, or LimitNOFILE= of its
// unit, too low for the connections and files open at once). A preload
// takes every descriptor left while the server opens one file, and gives
// them back after. Before, the log said nothing without -v: the client saw
// "Too many open files", the operator no trace of why uploads failed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { servePerSuite, sftpBatch } from '../helpers/serve';
import { tempDirPerTest } from '../helpers/temp-dir';

const HOOK = `
const fs = require('fs');
const fsp = require('fs/promises');
const open = fsp.open;
fsp.open = function (path, ...rest) {
  if (!String(path).includes('no-descriptor')) return open.call(this, path, ...rest);
  const fds = [];
  for (let i = 0; i < 100000; i++) {
    try { fds.push(fs.openSync('/dev/null', 'r')); } catch { break; }
  }
  return open.call(this, path, ...rest).finally(() => { for (const fd of fds) fs.closeSync(fd); });
};
`;
const hookDir = mkdtempSync(join(tmpdir(), 'scpipe-test-serve-nofile-'));
const hook = join(hookDir, 'take-descriptors.js');
writeFileSync(hook, HOOK);
afterAll(() => rmSync(hookDir, { recursive: true, force: true }));

const serve = servePerSuite([], { NODE_OPTIONS: `--require ${hook}` });
const local = tempDirPerTest('scpipe-test-serve-nofile-');

it('an SFTP open refused for want of descriptors is logged without -v, naming the limit', async () => {
  const file = join(local(), 'data');
  await writeFile(file, 'data\n');
  const r = await sftpBatch(serve, [`put ${file} /no-descriptor`]);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/^dest open "\/no-descriptor": Failure\s*$/); // OpenSSH's sftp shows the status, not its text
  const line = /^scpipe: \S+ key SHA256:\S+ sftp open failed: \/no-descriptor: Too many open files \(the open-file limit of scpipe serve, `ulimit -n` \(LimitNOFILE= in a systemd unit\), is too low for the connections and files open at once\)$/m;
  await waitFor(() => line.test(serve.log()), 'the log line');
  expect(await readdir(serve.root)).toEqual([]);
  // The descriptors back, the server goes on.
  const again = await sftpBatch(serve, [`put ${file} /after`]);
  expect(again.status).toBe(0);
});
