// --json's error object, through the real CLI and real faults: what a
// nightly job's script acts on without parsing the message (the host, the
// remote path, the directory missing, the temporary file a lost connection
// left), and what is on the server's disk matches it.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonSummary } from '../../cli/json-summary-recorder';
import { endlessInput, remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { dropConnections } from '../helpers/drop-connections';
import { expectSchema } from '../helpers/json-schema';
import { waitFor } from '../helpers/async';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
const MiB = 1048576;

function summary(text: string): JsonSummary {
  const s = JSON.parse(text) as JsonSummary;
  expectSchema(s);
  return s;
}

describe('--json: the error says where, and what was left', () => {
  it('put to a missing remote directory: host, remote_path and missing_directory; nothing made remotely', async () => {
    const dir = await userDir(sshd.rssh, 'json-missing');
    const r = await runCli(['put', '--json', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/no/such/f`)], { stdin: 'bytes' });
    expect(r.status).toBe(1);
    const s = summary(r.stdout.toString());
    expect(r.stderr).toBe(`scpipe: ${s.error!.message}\n`);
    expect(s.error).toMatchObject({ code: 'ERR_NO_SUCH_FILE', host: sshd.host, remote_path: `${dir}/no/such/f`, missing_directory: `${dir}/no/such`, temps_left: [], kept_whole: false, cut_short: [] });
    expect(await readdir(dir)).toEqual([]);
  });

  it('get of a missing file: its host and remote path', async () => {
    const dir = await userDir(sshd.rssh, 'json-get-missing');
    const r = await runCli(['get', '--json', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/gone`)]);
    expect(r.status).toBe(1);
    const s = summary(r.stderr.trim().split('\n').pop()!);
    expect(s.error).toMatchObject({ code: 'ERR_NO_SUCH_FILE', host: sshd.host, remote_path: `${dir}/gone`, temps_left: [], cut_short: [] });
    expect(r.stdout.length).toBe(0);
  });

  it('put -s to a remote path with a newline, ESC and U+009B: they come as JSON escapes: the line stays one line, with no raw control byte', async () => {
    const dir = await userDir(sshd.user, 'json-odd');
    const odd = `${dir}/new\nline\u001b[31m\u009b2J/f`;
    const r = await runCli(['put', '--json', '-s', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, odd)], { stdin: 'bytes' });
    expect(r.status).toBe(1);
    const text = r.stdout.toString();
    expect(text).toContain('new\\nline\\u001b[31m\\u009b2J/f'); // U+009B, a CSI to some terminals, too
    expect(text.slice(0, -1)).toMatch(/^[\x20-\x7e]*$/); // one line, no control byte
    expect(summary(text).error).toMatchObject({ code: 'ERR_NO_SUCH_FILE', remote_path: odd, missing_directory: `${dir}/new\nline\u001b[31m\u009b2J` });
    expect(await readdir(dir)).toEqual([]);
  });

  it('put -s to a remote path with a bidi override and a zero-width space: they come as JSON escapes, as on stderr', async () => {
    const dir = await userDir(sshd.user, 'json-bidi');
    const odd = `${dir}/cod\u202egnp.exe\u200b/f`;
    const r = await runCli(['put', '--json', '-s', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, odd)], { stdin: 'bytes' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cod\\u{202e}gnp.exe\\u{200b}'); // the message, escaped where it was made
    const text = r.stdout.toString();
    expect(text).toContain('cod\\u202egnp.exe\\u200b/f');
    expect(text.slice(0, -1)).toMatch(/^[\x20-\x7e]*$/); // nothing a terminal would reorder or hide
    expect(summary(text).error).toMatchObject({ code: 'ERR_NO_SUCH_FILE', remote_path: odd, missing_directory: `${dir}/cod\u202egnp.exe\u200b` });
    expect(await readdir(dir)).toEqual([]);
  });

  it('put -s --retries 0, the connection lost mid-upload: exit 1, the partial temporary file in temps_left, and there it is', async () => {
    const dir = await userDir(sshd.user, 'json-lost');
    const run = startCli(['put', '--json', '-s', '--retries', '0', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f`)], { stdin: endlessInput() });
    const temp = async (): Promise<string | undefined> => (await readdir(dir)).find((n) => /^\.f\.scpipe-\w{6}$/.test(n));
    await waitFor(async () => {
      const name = await temp();
      return name !== undefined && (await stat(join(dir, name))).size >= 2 * MiB;
    }, 'the upload on its way', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(r.status).toBe(1);
    const s = summary(r.stdout.toString());
    const left = `${dir}/${(await temp())!}`;
    expect(s.error).toMatchObject({
      code: 'ERR_LOST_CONNECTION',
      host: sshd.host,
      remote_path: `${dir}/f`,
      temps_left: [{ path: left, state: 'partial', target: null, remove_failed: null }],
      kept_whole: false,
      cut_short: [],
    });
    // The message says the same file; on disk: the temporary file, no target.
    expect(s.error!.message).toMatch(new RegExp(`; the partial upload is left in ${left.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(r.stderr).toContain(`scpipe: ${s.error!.message}\n`);
    expect(await readdir(dir)).toEqual([left.slice(dir.length + 1)]);
  }, 120_000);
});
