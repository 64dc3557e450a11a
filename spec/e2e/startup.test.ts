// What the CLI loads at start-up (a 6-byte put is mostly start-up:
// docs/performance.md §3). Each command loads only its own code, and ssh2 is loaded once the
// TCP connect is under way, so that compiling it overlaps the server's
// start-up. A preload hook (NODE_OPTIONS=--require) records, at exit, every
// module loaded and whether ssh2 was loaded when the first connect began.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags, type CliOptions, type CliResult } from '../helpers/cli';

const ROOT = resolve(__dirname, '../..');

const HOOK = `
const fs = require('fs');
const net = require('net');
const ssh2Loaded = () => Object.keys(require.cache).some((f) => f.includes('/node_modules/ssh2/'));
let ssh2AtConnect;
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  if (ssh2AtConnect === undefined) ssh2AtConnect = ssh2Loaded();
  return connect.apply(this, args);
};
process.on('exit', () => {
  fs.writeFileSync(process.env.SCPIPE_TEST_LOADED, JSON.stringify({ modules: Object.keys(require.cache), ssh2AtConnect }));
});
`;

interface Loaded {
  /** Project files relative to the root (dist/cli/main.js), packages as node_modules/NAME/... */
  modules: string[];
  /** Whether ssh2 was loaded when the first socket connect started (undefined: no connect). */
  ssh2AtConnect?: boolean;
}

let tmp: string;
let run = 0;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'scpipe-test-startup-'));
  await writeFile(join(tmp, 'hook.js'), HOOK);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Runs the CLI with the hook; resolves its result and what it loaded. */
async function runTraced(args: string[], opts: CliOptions = {}): Promise<{ result: CliResult; loaded: Loaded }> {
  const out = join(tmp, `loaded-${run++}.json`);
  const result = await runCli(args, {
    ...opts,
    env: { ...opts.env, NODE_OPTIONS: `--require ${join(tmp, 'hook.js')}`, SCPIPE_TEST_LOADED: out },
  });
  const raw = JSON.parse(await readFile(out, 'utf8')) as Loaded;
  const modules = raw.modules.map((f) => {
    const pkg = f.lastIndexOf('/node_modules/');
    return pkg === -1 ? relative(ROOT, f) : f.slice(pkg + 1);
  });
  return { result, loaded: { modules, ssh2AtConnect: raw.ssh2AtConnect } };
}

const loadedUnder = (loaded: Loaded, prefix: string): string[] => loaded.modules.filter((m) => m.startsWith(prefix));

const COMMANDS = ['put', 'get', 'cp', 'serve'];
const command = (name: string): string => `dist/cli/commands/${name}.js`;

// What `scpipe NAME --help` must not load: ssh2 (only serve needs it to start,
// for its Server) and the commands NAME does not run (cp runs put's and get's
// code for `cp - host:f` and `cp host:f -`).
const NOT_LOADED: Array<[string, string[]]> = [
  ['put', ['node_modules/ssh2/', command('get'), command('cp'), command('serve')]],
  ['get', ['node_modules/ssh2/', command('put'), command('cp'), command('serve'), 'dist/lib/spool/spool.js']],
  ['cp', ['node_modules/ssh2/', command('serve')]],
  ['serve', [command('put'), command('get'), command('cp'), 'dist/lib/spool/spool.js']],
];

describe('start-up loads only what the command needs', () => {
  it.each(NOT_LOADED)('`scpipe %s --help` loads only what that command runs', async (name, unwanted) => {
    const { result, loaded } = await runTraced([name, '--help']);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout.toString()).toContain(`scpipe ${name}`);
    expect(loaded.modules.filter((m) => unwanted.some((prefix) => m.startsWith(prefix)))).toEqual([]);
  });

  it('`scpipe --help` still lists every command', async () => {
    const { result } = await runTraced(['--help']);
    expect(result.status).toBe(0);
    for (const name of COMMANDS) expect(result.stdout.toString()).toMatch(new RegExp(`^\\s*scpipe ${name}\\b`, 'm'));
  });

  it('an unknown command is still reported as one', async () => {
    const { result } = await runTraced(['frobnicate']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('frobnicate');
  });
});

describe('a 6-byte put through an rssh-restricted account', () => {
  const sshd = sshdPerSuite();

  it('loads ssh2 only once its TCP connect is under way, and no server, download or prompt code', async () => {
    const dir = await userDir(sshd.rssh, 'startup');
    const target = `${dir}/tiny`;
    const { result, loaded } = await runTraced(['put', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, target)], { stdin: 'hello\n' });
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(target, 'utf8')).toBe('hello\n');
    expect(loaded.ssh2AtConnect).toBe(false);
    // ssh2 is not in the bundle (scripts/bundle.js): it comes from
    // node_modules, so an update of it applies without a rebuild, with its
    // native crypto binding (without which it would quietly use its slow
    // JavaScript ciphers).
    expect(loadedUnder(loaded, 'node_modules/ssh2/')).toEqual(expect.arrayContaining([
      'node_modules/ssh2/lib/index.js',
      'node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node',
    ]));
    expect(loadedUnder(loaded, 'dist/lib/server/')).toEqual([]);
    expect(loaded.modules.filter((m) => [
      command('get'),
      command('cp'),
      command('serve'),
      'dist/lib/client/get.js',
      'dist/lib/transport/openssh-transport.js',
      'dist/lib/transport/tty-prompt.js',
    ].includes(m))).toEqual([]);
  });
});
