// A file of a remote tree that cannot be written locally is said by its
// local path, which holds the remote's name: it was shown raw, so a name
// with an escape sequence (SCP) or a direction override (SFTP, which
// refuses control characters in names) rewrote the user's terminal line.
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-names-in-messages-');

describe.each([
  ['scp', ['-O'], 'e\x1b[1A\x1b[2K\r', 'e\\x1b[1A\\x1b[2K\\r'],
  ['sftp', ['-s'], 'photo\u202Egpj.exe', 'photo\\u{202e}gpj.exe'],
])('cp -r download over %s, an entry in the way locally', (protocol, flags, name, shown) => {
  it('names it escaped; exit 1, the rest copied, the entry in the way left as it was', async () => {
    const src = join(await userDir(sshd.user, `in-messages-${protocol}`), 'tree');
    await mkdir(src);
    await writeFile(join(src, name), 'remote');
    await writeFile(join(src, 'plain'), 'plain');
    const dst = local();
    await mkdir(join(dst, 'tree', name), { recursive: true });
    const r = await runCli(['cp', '-r', ...flags, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, src), dst]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: ${dst}/tree/${shown}: Is a directory\n`);
    expect((await stat(join(dst, 'tree', name))).isDirectory()).toBe(true);
    expect(await readdir(join(dst, 'tree', name))).toEqual([]);
    expect((await readdir(join(dst, 'tree'))).sort()).toEqual([name, 'plain'].sort());
  });
});

// -v shows the records and the refusals sent back: a name that is not UTF-8
// (shown \xNN) and a refusal naming a local path were escaped a second time
// there, `a\\xff` for a\xff. Both entries find a directory in the way.
describe('cp -r -v download over scp', () => {
  it('shows each name escaped once in the records and the refusals it traces', async () => {
    const src = join(await userDir(sshd.user, 'in-messages-trace'), 'tree');
    await mkdir(src);
    await writeFile(Buffer.from(`${src}/a\xff\x1b`, 'latin1'), 'not UTF-8');
    await writeFile(join(src, 'e\x1b[2K'), 'in the way');
    const dst = local();
    await mkdir(join(dst, 'tree', 'e\x1b[2K'), { recursive: true });
    await mkdir(Buffer.from(`${dst}/tree/a\xff\x1b`, 'latin1'));
    const r = await runCli(['cp', '-r', '-O', '-v', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, src), dst]);
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n');
    expect(lines).toContain('scpipe: < C0644 9 a\\xff\\x1b');
    expect(lines).toContain(`scpipe: > \\x01scp: ${dst}/tree/a\\xff\\x1b: Is a directory`);
    expect(lines).toContain('scpipe: < C0644 10 e\\x1b[2K');
    expect(lines).toContain(`scpipe: > \\x01scp: ${dst}/tree/e\\x1b[2K: Is a directory`);
    expect(r.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]|\\\\/);
  });
});
