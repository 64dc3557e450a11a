// --json for put, get and cp, each through the four ends a wrapper must tell
// apart: a success, a remote error, an authentication failure and a signal
// (SIGINT and SIGTERM). Each object parses, matches docs/json.md's schema,
// lands on the documented stream (get: stderr), and the exit status is the
// one the same command line gives without --json.
import { open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonSummary } from '../../cli/json-summary-recorder';
import { endlessInput, remote, runCli, sshFlags, startCli, type CliResult } from '../helpers/cli';
import { expectSchema } from '../helpers/json-schema';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
let dir: string;
beforeAll(async () => {
  dir = await userDir(sshd.rssh, 'json-outcomes');
  await writeFile(join(dir, 'src'), 'eleven byte');
  await writeFile(join(dir, 'local'), 'local file');
  // Large and sparse: a slow (-l) download or copy of it is still running when the signal comes.
  for (const name of ['big-remote', 'big-local']) {
    const f = await open(join(dir, name), 'w');
    await f.truncate(200_000_000);
    await f.close();
  }
});

type Command = 'put' | 'get' | 'cp';
const flags = (extra: string[] = [], key?: string) => sshFlags(sshd, sshd.rssh, extra, key);
const at = (path: string) => remote(sshd, sshd.rssh, `${dir}/${path}`);

// The command line of each command and end, and where its object goes.
const lines = (): Record<Command, { success: string[]; remoteError: string[]; auth: string[]; stream: 'stdout' | 'stderr' }> => ({
  put: { success: ['put', ...flags(), at('put-ok')], remoteError: ['put', ...flags(), at('no/such/dir/f')], auth: ['put', ...flags([], sshd.wrongKeyPath), at('f')], stream: 'stdout' },
  get: { success: ['get', ...flags(), at('src')], remoteError: ['get', ...flags(), at('no-such-file')], auth: ['get', ...flags([], sshd.wrongKeyPath), at('src')], stream: 'stderr' },
  cp: { success: ['cp', ...flags(), 'LOCAL', at('cp-ok')], remoteError: ['cp', ...flags(), 'LOCAL', at('no/such/dir/c')], auth: ['cp', ...flags([], sshd.wrongKeyPath), 'LOCAL', at('c')], stream: 'stdout' },
});
const local = (args: string[]) => args.map((a) => (a === 'LOCAL' ? join(dir, 'local') : a));

function summaryOf(r: CliResult, stream: 'stdout' | 'stderr'): JsonSummary {
  const text = stream === 'stdout' ? r.stdout.toString() : r.stderr;
  const last = text.trim().split('\n').pop()!;
  const s = JSON.parse(last) as JsonSummary;
  expectSchema(s);
  return s;
}

// Runs the line with and without --json: the same status both ways.
async function both(command: Command, args: string[], stdin = 'put bytes'): Promise<JsonSummary> {
  const withJson = await runCli([command, '--json', ...local(args.slice(1))], { stdin });
  const without = await runCli(local(args), { stdin });
  expect(withJson.status).toBe(without.status);
  const s = summaryOf(withJson, lines()[command].stream);
  expect(s.exit_status).toBe(withJson.status);
  expect(s.command).toBe(command);
  return s;
}

describe('--json for every command and every end', () => {
  it.each(['put', 'get', 'cp'] as const)('%s: success', async (command) => {
    const s = await both(command, lines()[command].success);
    const where = { put: at('put-ok'), get: at('src'), cp: at('cp-ok') }[command];
    expect(s).toMatchObject({ ok: true, exit_status: 0, destinations: [where], error: null });
    expect(s.bytes).toBe({ put: 9, get: 11, cp: 10 }[command]);
  });

  it.each(['put', 'get', 'cp'] as const)('%s: a remote error', async (command) => {
    const s = await both(command, lines()[command].remoteError);
    expect(s).toMatchObject({ ok: false, exit_status: 1, error: { code: 'ERR_NO_SUCH_FILE' } }); // a missing directory, over either protocol
  });

  it.each(['put', 'get', 'cp'] as const)('%s: an authentication failure', async (command) => {
    const s = await both(command, lines()[command].auth);
    expect(s).toMatchObject({ ok: false, exit_status: 255, bytes: 0, error: { code: 'ERR_AUTH' } });
  });

  it.each(['put', 'get', 'cp'] as const)('%s: protocol names the one that ran (sftp with -s, scp with -O)', async (command) => {
    const home = await userDir(sshd.user, 'json-protocol');
    await writeFile(join(home, 'src'), 'sftp');
    const target = (p: string) => remote(sshd, sshd.user, `${home}/${p}`);
    for (const [flag, protocol] of [['-s', 'sftp'], ['-O', 'scp']] as const) {
      const args = {
        put: ['put', target(`p${flag}`)], get: ['get', target('src')], cp: ['cp', join(dir, 'local'), target(`c${flag}`)],
      }[command];
      const r = await runCli([args[0]!, '--json', flag, ...sshFlags(sshd, sshd.user), ...args.slice(1)], { stdin: 'sftp' });
      expect(r.status).toBe(0);
      expect(summaryOf(r, lines()[command].stream)).toMatchObject({ ok: true, protocol });
    }
  });

  // Started slow (-l) on a large input; the signal comes once bytes flow.
  const signalled: [Command, NodeJS.Signals, number][] = [['put', 'SIGINT', 130], ['get', 'SIGTERM', 143], ['cp', 'SIGINT', 130], ['put', 'SIGTERM', 143]];
  it.each(signalled)('%s: %s', async (command, signal, status) => {
    const name = `sig-${command}-${signal}`;
    const args = {
      put: ['put', '--json', '-l', '8000', '--size', '1000000000000', ...flags(), at(name)],
      get: ['get', '--json', '-l', '8000', ...flags(), at('big-remote')],
      cp: ['cp', '--json', '-l', '8000', ...flags(), join(dir, 'big-local'), at(name)],
    }[command];
    const run = startCli(args, { stdin: command === 'put' ? endlessInput() : undefined });
    let got = 0;
    run.child.stdout!.on('data', (d: Buffer) => (got += d.length));
    for (let i = 0; i < 400; i++) {
      const flowing = command === 'get' ? got > 0 : await stat(join(dir, name)).then((st) => st.size > 0, () => false);
      if (flowing) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    run.child.kill(signal);
    const r = await run.done;
    expect(r.status).toBe(status);
    const s = summaryOf(r, lines()[command].stream);
    expect(s).toMatchObject({ ok: false, exit_status: status, error: { code: 'ERR_ABORTED' } });
    expect(s.bytes).toBeGreaterThan(0);
  });
});
