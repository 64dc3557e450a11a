// sshd's Banner (a legal notice, an archive service's quota warning) is shown
// on stderr as scp shows it, escaped: it comes from the server, before the
// host is even authenticated. -q hides it, as scp -q does, and so does
// LogLevel ERROR (ssh's own switch for it); -q --progress shows the progress alone.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite({ banner: 'Authorized use only.\nQuota: 95% used\x1b]52;c;cHduZWQ=\x07\n' });

describe("the server's login banner", () => {
  const put = async (extra: string[]) => {
    const dir = await userDir(sshd.rssh, 'banner');
    const r = await runCli(['put', ...sshFlags(sshd, sshd.rssh), '-O', ...extra, remote(sshd, sshd.rssh, `${remotePath(sshd.rssh, dir)}/f`)], { stdin: Buffer.from('data') });
    expect(r.status).toBe(0);
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('data');
    return r.stderr;
  };

  it('is shown on stderr line by line, its escape sequence made harmless; exit 0', async () => {
    expect(await put([])).toBe('Authorized use only.\nQuota: 95% used\\x1b]52;c;cHduZWQ=\\x07\n');
  });

  it.each([[['-q']], [['-o', 'LogLevel=ERROR']]])('is not shown with %j', async (extra) => {
    expect(await put(extra)).toBe('');
  });

  // A cron job's log wants the progress lines but not the notice: -q once
  // silenced --progress without a word. User sees: the last progress line alone.
  it('is not shown with -q --progress, while the progress lines are', async () => {
    expect(await put(['-q', '--progress'])).toMatch(/^scpipe: f: [^\n]*4 B[^\n]*\n$/);
  });
});
