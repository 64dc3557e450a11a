// A ProxyCommand with double quotes (`sh -c "exec …"`) is handed to the
// shell as written, as ssh hands it. scpipe took the quotes out: `sh -c
// exec node relay.js` ran `exec` alone, and the connection ended before the
// SSH handshake (exit 255).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { runCli } from '../helpers/cli';

const sshd = sshdPerSuite();

it('put through -o ProxyCommand=sh -c "exec …": stored, as ssh connects through it', async () => {
  const dir = await userDir(sshd.user, 'proxyq');
  const script = join(dir, 'relay.js'); // stdio to the sshd
  await writeFile(script, `const s = require('net').connect(${sshd.port}, '127.0.0.1'); process.stdin.pipe(s); s.pipe(process.stdout);\n`);
  const options = ['-F', 'none', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${sshd.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'HostKeyAlias=[127.0.0.1]:' + sshd.port, '-o', `ProxyCommand=sh -c "exec ${process.execPath} ${script}"`, '-i', sshd.user.keyPath];
  const r = await runCli(['put', ...options, `${sshd.user.name}@relayed:${dir}/a`], { stdin: 'a' });
  expect(r).toMatchObject({ status: 0, stderr: '' });
  expect(await readFile(join(dir, 'a'), 'utf8')).toBe('a');
});
