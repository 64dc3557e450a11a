// A ProxyCommand given on the command line (-o ProxyCommand=…) may name a
// file that is not UTF-8 (a Latin-1 path, kept as its bytes): /bin/sh must
// get those bytes, as ssh gives them, not U+FFFD, another file's name.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnProxyCommand } from '../../../lib/transport/proxy-command';
import { fromBytes, toBytes } from '../../../lib/util/byte-text';
import { tempDirPerTest } from '../../helpers/temp-dir';

const dir = tempDirPerTest('scpipe-proxy-bytes-');

it('runs a command naming a Latin-1 file with the file of those bytes', async () => {
  const file = join(dir(), fromBytes(Buffer.from('caf\xe9', 'latin1')));
  writeFileSync(toBytes(file), 'from the proxy');
  const duplex = spawnProxyCommand(`cat '${file}'`);
  duplex.end();
  let out = '';
  for await (const chunk of duplex) out += String(chunk);
  expect(out).toBe('from the proxy');
});
