// `scpipe serve` and names that are not UTF-8 (Latin-1 bytes), with
// OpenSSH's own clients: `scp -O` (SCP), `scp` (SFTP mode) and `sftp`. Such
// a name goes on the wire as its bytes, as sshd with scp and sftp-server
// sends it, so a tree holding one comes back byte for byte, names and
// contents; the jail checks the bytes, not their U+FFFD form; the log shows
// them once, as \xNN. Arguments go through bash's printf: argv from Node is UTF-8.
import { spawnSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { waitFor } from '../helpers/async';
import { shellQuote } from '../helpers/cli';
import { servePerSuite } from '../helpers/serve';
import { LATIN1_TREE as EXPECTED, bytes, latin1Tree, treeOf } from '../helpers/latin1-tree';
import { outsideDirPerTest, tempDirPerTest } from '../helpers/temp-dir';

const serve = servePerSuite();
const localDir = tempDirPerTest('scpipe-test-bytenames-');
const outsideDir = outsideDirPerTest();

// Runs `script` in bash with $SSH (serve's options) and $D (the name d\xe9) set.
function bash(script: string): { status: number | null; stderr: string } {
  const r = spawnSync('bash', ['-c', `SSH=(${shellQuote(serve.sshArgs())}); D=$(printf 'd\\351'); ${script}`], { encoding: 'latin1', timeout: 30000 });
  return { status: r.status, stderr: r.stderr };
}

describe.each([
  ['scp -O', 'scp -O -r -q "${SSH[@]}"'],
  ['scp (SFTP mode)', 'scp -r -q "${SSH[@]}"'],
])('serve with OpenSSH %s: a tree with Latin-1 names', (_client, scp) => {
  it('goes up and comes back byte for byte', async () => {
    const local = localDir();
    await latin1Tree(`${local}/up`);
    const tag = _client.replace(/\W/g, '');
    await mkdir(`${serve.root}/${tag}`);
    const up = bash(`${scp} ${shellQuote([`${local}/up/`])}"$D" 127.0.0.1:/${tag}/`);
    expect(up).toEqual({ status: 0, stderr: '' });
    expect(treeOf(`${serve.root}/${tag}`)).toEqual(EXPECTED);
    await mkdir(`${local}/down`);
    const down = bash(`${scp} 127.0.0.1:/${tag}/"$D" ${shellQuote([`${local}/down/`])}`);
    expect(down).toEqual({ status: 0, stderr: '' });
    expect(treeOf(`${local}/down`)).toEqual(EXPECTED);
    const logged = tag === 'scpO' ? `download /${tag}/d\\xe9 ` : `download /${tag}/d\\xe9/f\\xff `;
    await waitFor(() => serve.log().includes(logged), `the log line ${logged}`);
  });
});

describe('serve with OpenSSH sftp: a tree with Latin-1 names', () => {
  it('is listed, put and got byte for byte', async () => {
    const local = localDir();
    await latin1Tree(`${local}/up`);
    const put = bash(`cd ${shellQuote([`${local}/up`])} && printf 'mkdir /sftp\\nput -r %s /sftp/\\nls -1 /sftp/%s\\n' "$D" "$D" | sftp -b - "\${SSH[@]}" 127.0.0.1 >/dev/null`);
    expect(put).toEqual({ status: 0, stderr: '' });
    expect(treeOf(`${serve.root}/sftp`)).toEqual(EXPECTED);
    await mkdir(`${local}/down`);
    const get = bash(`cd ${shellQuote([`${local}/down`])} && printf 'get -r /sftp/%s\\n' "$D" | sftp -b - "\${SSH[@]}" 127.0.0.1 >/dev/null`);
    expect(get).toEqual({ status: 0, stderr: '' });
    expect(treeOf(`${local}/down`)).toEqual(EXPECTED);
  });
});

// The jail follows the bytes: l\xe9 is a link out of the root, while
// l\u{fffd} (EF BF BD, the name Node would have used) is a directory inside
// holding a decoy. Neither the link's target nor the decoy may be served.
describe('serve: a Latin-1 symbolic link that leads outside', () => {
  it.each([
    ['scp -O', 'scp -O -q "${SSH[@]}"'],
    ['scp (SFTP mode)', 'scp -q "${SSH[@]}"'],
  ])('is refused to %s, both ways', async (_client, scp) => {
    const local = localDir();
    const outside = outsideDir();
    await symlink(outside, bytes(`${serve.root}/l\xe9`));
    await mkdir(`${serve.root}/l\uFFFD`);
    await writeFile(`${serve.root}/l\uFFFD/secret`, 'decoy');
    await writeFile(`${local}/f`, 'planted');
    try {
      const down = bash(`L=$(printf 'l\\351'); ${scp} 127.0.0.1:/"$L"/secret ${shellQuote([`${local}/got`])}`);
      expect(down.status).toBe(1);
      expect(down.stderr).toContain('/l\\351'); // the client's own escaping of the raw bytes, once
      const up = bash(`L=$(printf 'l\\351'); ${scp} ${shellQuote([`${local}/f`])} 127.0.0.1:/"$L"/planted`);
      expect(up.status).toBe(1);
      expect(readdirSync(local)).toEqual(['f']);
      expect(readdirSync(outside)).toEqual(['secret']);
    } finally {
      spawnSync('rm', ['-rf', `${serve.root}/l\uFFFD`]);
      spawnSync('bash', ['-c', `rm -f ${shellQuote([serve.root])}/l$(printf '\\351')`]);
    }
  });
});
