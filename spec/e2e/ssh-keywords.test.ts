// Every keyword of OpenSSH's ssh_config(5) list (spec/fixtures), given with
// -o to a real transfer against the test sshd: an honoured one still reaches
// the server with its value in force, one with no effect on a transfer says
// so in the log (-v), a refused one fails before connecting with the
// message that names --transport openssh. None crashes, none passes
// unnoticed. The CLI's side of -o (exit 2 for a misspelling or a refusal)
// is in scp-options.test.ts.
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isScpipeError, put } from '../../lib';
import { KEYS } from '../../lib/transport/ssh-config-values';
import { OTHER_KEYWORDS } from '../../lib/transport/ssh-keywords';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const KEYWORDS = readFileSync(join(__dirname, '../fixtures/ssh-config-keywords.txt'), 'utf8')
  .split('\n').filter((l) => l && !l.startsWith('#'));

const sshd = sshdPerSuite();
let dir: string;
let proxy: string;
beforeAll(async () => {
  dir = await userDir(sshd.rssh, 'keywords');
  // A ProxyCommand without nc: stdin/stdout to host:port.
  proxy = join(dir, 'proxy.js');
  await writeFile(proxy, "const s = require('net').connect(Number(process.argv[3]), process.argv[2]); process.stdin.pipe(s); s.pipe(process.stdout);\n");
});

// Values of the honoured keywords that keep the connection on the test sshd
// (each still in force: a wrong one would fail the transfer).
function honouredValue(keyword: string): string {
  const values: Record<string, string> = {
    addressfamily: 'inet', bindaddress: '127.0.0.1', ciphers: 'aes128-ctr', connectionattempts: '2', connecttimeout: '5',
    globalknownhostsfile: '/dev/null', hostkeyalgorithms: 'ssh-ed25519', hostkeyalias: `[127.0.0.1]:${sshd.port}`,
    hostname: '127.0.0.1', identityagent: 'none', identityfile: sshd.rssh.keyPath, identityfile2: sshd.rssh.keyPath,
    ignoreunknown: 'UseKeychain', kexalgorithms: 'curve25519-sha256', loglevel: 'ERROR', macs: 'hmac-sha2-256',
    numberofpasswordprompts: '1', port: String(sshd.port), preferredauthentications: 'publickey',
    proxycommand: `${process.execPath} ${proxy} %h %p`, proxyjump: 'none', refuseconnection: 'no', sendenv: 'LANG',
    serveralivecountmax: '2', serveraliveinterval: '10', setenv: 'SCPIPE_KW=1', stricthostkeychecking: 'yes', tag: 'backup',
    user: sshd.rssh.name, userknownhostsfile: sshd.knownHostsPath,
  };
  return values[keyword] ?? 'yes';
}

// Those with no effect on a transfer go together, on one connection (each says so).
const INERT = KEYWORDS.filter((k) => OTHER_KEYWORDS[k]?.[1].kind === 'inert');
const EACH = KEYWORDS.filter((k) => !INERT.includes(k));

async function send(name: string, extra: string[], log: string[] = []): Promise<unknown> {
  const options = { ...connectOptions(sshd, sshd.rssh), log: (l: string) => log.push(l) };
  return put({ ...options, options: [...extra, ...options.options] }, `${dir}/${name}`, Buffer.from(name))
    .then(() => 'sent', (e: unknown) => e);
}

describe('every ssh_config keyword with -o, on a real transfer', () => {
  it.each(EACH)('%s', async (keyword) => {
    const value = honouredValue(keyword);
    const name = `kw-${keyword}`;
    const outcome = await send(name, [`${keyword}=${value}`]);
    const other = OTHER_KEYWORDS[keyword];
    if (['host', 'match', 'include'].includes(keyword)) {
      expect(isScpipeError(outcome, 'ERR_USAGE')).toBe(true);
      expect((outcome as Error).message).toMatch(/only in a config file/);
    } else if (KEYS[keyword]) {
      expect(outcome).toBe('sent');
      expect(await readFile(join(dir, name), 'utf8')).toBe(name);
    } else {
      expect(other![1].kind).toBe('refuse');
      expect(isScpipeError(outcome, 'ERR_USAGE')).toBe(true);
      expect((outcome as Error).message).toBe(`-o: ${other![0]} ${value}: not available in the built-in ssh2 transport (${other![1].why}); use --transport openssh`);
      await expect(readFile(join(dir, name))).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });

  it('PubkeyAcceptedAlgorithms (or PubkeyAcceptedKeyTypes) +ALGS only adds to the list: accepted, and -v notes it', async () => {
    const log: string[] = [];
    expect(await send('kw-pubkey-plus', ['PubkeyAcceptedKeyTypes=+ssh-rsa,ssh-dss'], log)).toBe('sent');
    expect(log).toContain('PubkeyAcceptedAlgorithms +ssh-rsa,ssh-dss: no effect on a transfer (the signature algorithms offered for your keys are not restricted)');
  });

  it(`the ${INERT.length} with no effect on a transfer: accepted all at once, each named in the log`, async () => {
    expect(INERT.length).toBeGreaterThan(60);
    const log: string[] = [];
    expect(await send('kw-inert', INERT.map((k) => `${k}=yes`), log)).toBe('sent');
    for (const keyword of INERT) {
      const [name, effect] = OTHER_KEYWORDS[keyword]!;
      expect(log).toContain(`${name} yes: no effect on a transfer (${effect.why})`);
    }
  });
});
