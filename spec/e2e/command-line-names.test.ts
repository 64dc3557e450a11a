// A host or user name from the command line (or from whatever script built
// it) reaches /bin/sh through %h and %r of ProxyCommand and Match exec: as
// ssh since OpenSSH 9.6 (CVE-2023-51385), names with shell metacharacters are
// refused before anything runs.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scpipe-test-names-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it.each([
  ['a host name, into ProxyCommand %h', 'Host *\n  ProxyCommand true %h\n', 'a;touch pwned;b:x', 'hostname contains invalid characters: "a;touch pwned;b"'],
  ['a host name, into Match exec %h', 'Match exec "true %h"\n  Port 1\n', 'a$(touch pwned):x', 'hostname contains invalid characters: "a$(touch pwned)"'],
  ['a user name, into ProxyCommand %r', 'Host *\n  ProxyCommand true %r\n', 'u`touch pwned`@h:x', 'remote username contains invalid characters: "u`touch pwned`"'],
  ['a host name that is an option', 'Host *\n  ProxyCommand ssh %h\n', '-oProxyCommand=touch pwned:x', 'hostname contains invalid characters'],
])('%s: refused, exit 2, nothing run', async (_what, config, operand, message) => {
  const file = join(dir, 'config');
  await writeFile(file, config);
  const r = await runCli(['get', '-F', file, '--', operand], { cwd: dir }); // `touch pwned` would write in dir
  expect(r.status).toBe(2);
  expect(r.stderr).toContain(message);
  expect(existsSync(join(dir, 'pwned'))).toBe(false);
});

it('-o User= is a command-line name too', async () => {
  const file = join(dir, 'config');
  await writeFile(file, 'Host *\n  ProxyCommand true %r\n');
  const r = await runCli(['get', '-F', file, '-o', 'User=u;touch pwned', 'h:x'], { cwd: dir });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('remote username contains invalid characters');
  expect(existsSync(join(dir, 'pwned'))).toBe(false);
});
