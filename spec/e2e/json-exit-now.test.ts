// --json where scpipe exits without waiting for its clean-up: the server did
// not answer for the 10 s grace after a signal. The summary was never
// written, where docs/json.md promises one for every run.
import type { JsonSummary } from '../../cli/json-summary';
import { waitFor } from '../helpers/async';
import { startCli } from '../helpers/cli';
import { startHostileSftp, type HostileSftp } from '../helpers/hostile-sftp';
import { expectSchema } from '../helpers/json-schema';

let fake: HostileSftp | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

it('SIGTERM while the server answers nothing: exit 143 after the grace, with its summary', async () => {
  // A server that never answers the OPEN of the upload's temporary file.
  fake = await startHostileSftp({ stat: (path) => (path === '/up' ? { kind: 'dir' } : undefined), list: () => undefined, ignoreOpen: () => true });
  const run = startCli(['put', '--json', ...fake.args(), '-s', '--parallel', '1', 'backup@127.0.0.1:/up/f'], { stdin: 'data' });
  await waitFor(() => fake!.uploads.ops.some((op) => op.endsWith('(not answered)')), 'the OPEN asked for');
  run.child.kill('SIGTERM');
  const r = await run.done;
  expect(r.status).toBe(143);
  const said = 'interrupted by SIGTERM; the server did not answer for 10 s: exiting without it (an upload over SFTP may leave its temporary file .NAME.scpipe-XXXXXX on the server: put --remove-stale removes it on a later run)';
  expect(r.stderr).toBe(`scpipe: ${said}\n`);
  const lines = r.stdout.toString().split('\n');
  expect(lines).toHaveLength(2); // one object, and the newline that ends it
  const s = JSON.parse(lines[0]!) as JsonSummary;
  expectSchema(s);
  expect(s).toMatchObject({ command: 'put', ok: false, exit_status: 143, failed: ['backup@127.0.0.1:/up/f'], error: { code: 'ERR_ABORTED', message: said } });
}, 30_000);
