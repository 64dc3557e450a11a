import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Server, utils, type AnyAuthMethod, type BaseAgent, type AuthenticationType, type ParsedKey } from 'ssh2';
import { ScpipeError, isScpipeError } from '../../../lib/errors';
import { createAuthHandler, type AuthContext, type TypedSecrets } from '../../../lib/transport/auth';
import { resolvedHost as host } from '../../helpers/resolved-host';
import { loginTyped } from '../../helpers/auth-login';

let dir: string;
let plainKey: string;
let encKey: string;
let otherKey: string;
let hostKey: string;

function genKey(name: string, passphrase: string): string {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-N', passphrase, '-t', 'ed25519', '-C', name, '-f', file]);
  return file;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-test-'));
  plainKey = genKey('plain', '');
  encKey = genKey('enc', 'secret');
  otherKey = genKey('other', '');
  hostKey = genKey('hostkey', '');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));


type Attempt = AnyAuthMethod | false;
/** Drives the handler like ssh2 does: null for the first attempt, then the given methodsLeft. */
function driver(ctx: AuthContext) {
  const auth = createAuthHandler(ctx);
  const step = (left: AuthenticationType[] | null): Promise<Attempt> =>
    new Promise((resolve) => {
      const ret = auth.handler(left as AuthenticationType[], false, (a) => resolve(a as Attempt));
      if (ret !== undefined) resolve(ret as unknown as Attempt);
    });
  return { auth, step };
}
/** What ssh2 does with an agent attempt once the server accepts its key: has it sign. */
function signWith(a: Attempt): Promise<Buffer | undefined> {
  const agent = (a as { agent: BaseAgent<ParsedKey> }).agent;
  return new Promise((resolve, reject) =>
    agent.getIdentities((err, keys) => {
      if (err || !keys) return reject(err);
      agent.sign(keys[0] as ParsedKey, Buffer.from('data'), {}, (e, sig) => (e ? reject(e) : resolve(sig)));
    }));
}
const ALL: AuthenticationType[] = ['publickey', 'keyboard-interactive', 'password'];
const types = async (step: (l: AuthenticationType[] | null) => Promise<Attempt>, left = ALL, max = 10) => {
  const out: string[] = [];
  out.push(((await step(null)) as AnyAuthMethod).type);
  for (let i = 0; i < max; i++) {
    const a = await step(left);
    if (a === false) break;
    out.push(a.type);
  }
  return out;
};

/** Answers a keyboard-interactive attempt's prompts. */
function answerKbd(a: Attempt, prompts: Array<{ prompt: string; echo: boolean }>): Promise<string[]> {
  if (a === false || a.type !== 'keyboard-interactive') throw new Error('not keyboard-interactive');
  return new Promise((resolve) => a.prompt('', '', '', prompts, resolve));
}

describe('createAuthHandler', () => {
  it('offers a key at once (no "none" round trip), then keyboard-interactive and password with SCPIPE_PASSWORD', async () => {
    const { auth, step } = driver({ host: host({ identityFiles: [plainKey] }), env: { SCPIPE_PASSWORD: 'pw' } });
    const pk = await step(null);
    expect(pk).toMatchObject({ type: 'publickey', username: 'alice' });
    expect(((pk as { key: ParsedKey }).key).type).toBe('ssh-ed25519');
    const kbd = await step(ALL);
    expect(await answerKbd(kbd, [{ prompt: 'Password: ', echo: false }])).toEqual(['pw']);
    expect(await step(ALL)).toEqual({ type: 'password', username: 'alice', password: 'pw' });
    expect(await step(ALL)).toBe(false);
    expect(auth.triedMethods()).toEqual(['publickey', 'keyboard-interactive', 'password']);
    expect(auth.serverMethods()).toEqual(ALL);
  });

  it('offers only what the server lists and what the config enables', async () => {
    const env = { SCPIPE_PASSWORD: 'pw' };
    expect(await types(driver({ host: host({ identityFiles: [plainKey] }), env }).step, ['password'])).toEqual(['publickey', 'password']);
    expect(await types(driver({ host: host({ identityFiles: [plainKey], passwordAuthentication: false, kbdInteractiveAuthentication: false }), env }).step))
      .toEqual(['publickey']);
    expect(await types(driver({ host: host({ identityFiles: [plainKey], pubkeyAuthentication: false }), env }).step))
      .toEqual(['none', 'keyboard-interactive', 'password']);
  });

  it('asks passwordsAllowed before each password or keyboard-interactive attempt (the host verifier decides after the handler is made)', async () => {
    let allowed = true;
    const h = host({ identityFiles: [plainKey] });
    const { step } = driver({ host: h, env: { SCPIPE_PASSWORD: 'pw' }, passwordsAllowed: () => allowed });
    expect(((await step(null)) as AnyAuthMethod).type).toBe('publickey');
    allowed = false; // as after a changed key accepted under StrictHostKeyChecking=no
    expect(await step(ALL)).toBe(false);
    expect(h.passwordAuthentication).toBe(true);
    expect(await types(driver({ host: h, env: { SCPIPE_PASSWORD: 'pw' }, passwordsAllowed: () => true }).step)).toEqual(
      ['publickey', 'keyboard-interactive', 'password'],
    );
  });

  it('follows PreferredAuthentications order and drops unlisted methods ("none" first unless a key leads)', async () => {
    const h = host({ identityFiles: [plainKey], preferredAuthentications: ['password', 'publickey'] });
    expect(await types(driver({ host: h, env: { SCPIPE_PASSWORD: 'pw' } }).step)).toEqual(['none', 'password', 'publickey']);
  });

  it('tries the agent first (with IdentitiesOnly, for the identity files\' keys only), and skips a dead agent socket', async () => {
    const sock = path.join(dir, 'agent.sock');
    const server = net.createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    try {
      const { step } = driver({ host: host({ identityFiles: [plainKey] }), env: { SSH_AUTH_SOCK: sock } });
      expect(await step(null)).toMatchObject({ type: 'agent', username: 'alice', agent: { socketPath: sock } });
      expect(await step(ALL)).toMatchObject({ type: 'publickey' });
      const only = driver({ host: host({ identityFiles: [plainKey], identitiesOnly: true }), env: { SSH_AUTH_SOCK: sock } });
      expect(await types(only.step)).toEqual(['agent', 'publickey']);
      const noKey = driver({ host: host({ identityFiles: [path.join(dir, 'no-such-key')], identitiesOnly: true }), env: { SSH_AUTH_SOCK: sock } });
      expect(await types(noKey.step)).toEqual(['none']);
    } finally {
      server.close();
    }
    const dead = driver({ host: host({ identityFiles: [plainKey] }), env: { SSH_AUTH_SOCK: path.join(dir, 'no-such.sock') } });
    expect(await types(dead.step)).toEqual(['publickey']);
    // Named where the refusal lists what was not offered: an agent that died mid-run, a stale SSH_AUTH_SOCK.
    expect(dead.auth.notOffered()).toContain(`ssh-agent at ${path.join(dir, 'no-such.sock')} (no such socket: the agent is not running)`);
  });

  it('uses default identity files only when they exist', async () => {
    const lines: string[] = [];
    const h = host({ defaultIdentityFiles: [path.join(dir, 'missing_id'), plainKey] });
    const { step } = driver({ host: h, env: {}, log: (l) => lines.push(l) });
    expect(await types(step)).toEqual(['publickey']);
    expect(lines.join('\n')).not.toContain('missing_id');
  });

  it('skips an encrypted key when there is no prompt', async () => {
    const lines: string[] = [];
    const { step } = driver({ host: host({ identityFiles: [encKey, plainKey] }), env: {}, log: (l) => lines.push(l) });
    const a = await step(null);
    expect(((a as { key: ParsedKey }).key).comment).toBe('plain');
    expect(await step(['publickey'])).toBe(false);
    expect(lines.some((l) => l.includes('skipping encrypted key') && l.includes(encKey))).toBe(true);
  });

  it('asks for a passphrase, retrying a wrong one', async () => {
    const questions: string[] = [];
    const answers = ['wrong', 'secret'];
    const prompt = async (q: string, echo: boolean) => {
      expect(echo).toBe(false);
      questions.push(q);
      return answers.shift() ?? null;
    };
    const { step } = driver({ host: host({ identityFiles: [encKey] }), env: {}, prompt });
    const a = await step(null);
    // Offered by its public key; asked only when the server accepted it and ssh2 has it sign (lazy-key.ts).
    expect(a).toMatchObject({ type: 'agent' });
    expect(questions).toEqual([]);
    const signature = await signWith(a);
    expect(signature).toBeInstanceOf(Buffer);
    expect(questions).toEqual([`Enter passphrase for key '${encKey}': `, `Enter passphrase for key '${encKey}': `]);
  });

  it('NumberOfPasswordPrompts 0: no passphrase asked, and the refusal says why the key was left out', async () => {
    const prompt = async (): Promise<string> => { throw new Error('asked'); };
    const { auth, step } = driver({ host: host({ identityFiles: [encKey], numberOfPasswordPrompts: 0 }), env: {}, prompt });
    expect(await types(step, ['publickey'])).toEqual(['none']);
    expect(auth.notOffered()).toEqual([`${encKey} (encrypted, and NumberOfPasswordPrompts is 0)`]);
  });

  it('gives up on a passphrase after 3 wrong tries, and never prompts in BatchMode', async () => {
    let asked = 0;
    const prompt = async () => { asked++; return 'nope'; };
    const { auth, step } = driver({ host: host({ identityFiles: [encKey] }), env: {}, prompt });
    await expect(signWith(await step(null))).rejects.toThrow('key not unlocked');
    expect(asked).toBe(3);
    expect(auth.notOffered()).toEqual([`${encKey} (wrong passphrase)`]);
    asked = 0;
    expect(await types(driver({ host: host({ identityFiles: [encKey], batchMode: true }), env: {}, prompt }).step)).toEqual(['none']);
    expect(asked).toBe(0);
  });

  it('prompts for a password at most 3 times', async () => {
    const questions: string[] = [];
    const prompt = async (q: string) => { questions.push(q); return `pw${questions.length}`; };
    const { step } = driver({ host: host(), env: {}, prompt });
    expect(await step(null)).toEqual({ type: 'none', username: 'alice' }); // no key at hand: learn the methods first
    for (const pw of ['pw1', 'pw2', 'pw3']) expect(await step(['password'])).toEqual({ type: 'password', username: 'alice', password: pw });
    expect(await step(['password'])).toBe(false);
    expect(questions[0]).toBe("alice@h.example's password: ");
  });

  it('escapes server-sent keyboard-interactive text before showing it', async () => {
    const questions: string[] = [];
    const prompt = async (q: string) => { questions.push(q); return 'answer'; };
    const { step } = driver({ host: host(), env: {}, prompt });
    await step(null);
    const a = await step(['keyboard-interactive']);
    if (a === false || a.type !== 'keyboard-interactive') throw new Error('expected keyboard-interactive');
    const got = await new Promise<string[]>((r) => a.prompt('Name', 'evil\x1b[2J', '', [{ prompt: 'Code\r: ', echo: true }], r));
    expect(got).toEqual(['answer']);
    expect(questions[0]).toBe('Name\nevil\\x1b[2J\nCode\\r: ');
  });

  // A server that takes the password by keyboard-interactive (PAM, FreeBSD's
  // sshd): what was typed was not kept, so a retry's reconnection asked again
  // and a run left alone waited at the prompt. A one-time code after it is not kept.
  it('keeps the password typed at a keyboard-interactive prompt for the next connection of the run, not the code after it', async () => {
    const typed: TypedSecrets = {};
    const questions: string[] = [];
    const prompt = async (q: string) => { questions.push(q); return q.startsWith('Code') ? '123456' : 'the-password'; };
    const login = async (): Promise<string[]> => {
      const { auth, step } = driver({ host: host(), env: {}, prompt, typed });
      await step(null);
      const kbd = await step(['keyboard-interactive']);
      const answers = [...await answerKbd(kbd, [{ prompt: 'Password: ', echo: false }]), ...await answerKbd(kbd, [{ prompt: 'Code: ', echo: false }])];
      auth.succeeded();
      return answers;
    };
    expect(await login()).toEqual(['the-password', '123456']);
    expect(questions).toEqual(['Password: ', 'Code: ']);
    expect(await login()).toEqual(['the-password', '123456']);
    expect(questions).toEqual(['Password: ', 'Code: ', 'Code: ']);
  });

  // The answer was kept as soon as it was typed: a typo the server then
  // rejected was replayed at the reconnection, and a password the server asked
  // again in the same attempt (the typo's correction) was never kept.
  it('keeps the keyboard-interactive password only once the login succeeded, the corrected one when asked again', async () => {
    const typed: TypedSecrets = {};
    const typing = ['typo', 'the-password'];
    const prompt = async () => typing.shift() ?? null;
    const first = driver({ host: host(), env: {}, prompt, typed });
    await first.step(null);
    const kbd = await first.step(['keyboard-interactive']);
    expect(await answerKbd(kbd, [{ prompt: 'Password: ', echo: false }])).toEqual(['typo']);
    expect(typed.password).toBeUndefined(); // not before the server has said yes
    expect(await answerKbd(kbd, [{ prompt: 'Password: ', echo: false }])).toEqual(['the-password']);
    first.auth.succeeded();
    expect(typed.password).toBe('the-password');
  });

  it('never keeps a password the server rejected, by keyboard-interactive or password, nor one of a failed login', async () => {
    const typed: TypedSecrets = {};
    const typing = ['code-first', 'typo', 'the-password'];
    const prompt = async () => typing.shift() ?? null;
    const { auth, step } = driver({ host: host(), env: {}, prompt, typed });
    await step(null);
    const kbd = await step(['keyboard-interactive']);
    await answerKbd(kbd, [{ prompt: 'Verification code: ', echo: false }]);
    expect(await step(['password'])).toMatchObject({ type: 'password', password: 'typo' }); // the code was rejected
    expect(await step(['password'])).toMatchObject({ type: 'password', password: 'the-password' }); // and the typo
    auth.succeeded();
    expect(typed.password).toBe('the-password');

    const failing: TypedSecrets = {};
    const failed = driver({ host: host(), env: {}, prompt: async () => 'wrong', typed: failing });
    await failed.step(null);
    await answerKbd(await failed.step(['keyboard-interactive']), [{ prompt: 'Password: ', echo: false }]);
    expect(failing.password).toBeUndefined(); // no success: nothing to reconnect with
  });

  it('drops a kept password the server now rejects, keeping the one typed instead', async () => {
    const typed: TypedSecrets = { password: 'old' };
    const { auth, step } = driver({ host: host(), env: {}, prompt: async () => 'new', typed });
    await step(null);
    expect(await step(['password'])).toMatchObject({ password: 'old' });
    expect(await step(['password'])).toMatchObject({ password: 'new' });
    auth.succeeded();
    expect(typed.password).toBe('new');
  });

  it('abandons authentication when the prompt is interrupted', async () => {
    const prompt = async (): Promise<string | null> => { throw new ScpipeError('ERR_ABORTED', 'interrupted by SIGINT'); };
    const { auth, step } = driver({ host: host(), env: {}, prompt });
    await step(null);
    expect(await step(['password'])).toBe(false);
    expect(isScpipeError(auth.failure(), 'ERR_ABORTED')).toBe(true);
  });

  // A ProxyJump hop's failure names the hop: --json's `host` is the error's, else the destination's.
  it('a prompt that fails otherwise than by a cancel: ERR_ABORTED naming the host it asked for', async () => {
    const prompt = async (): Promise<string | null> => { throw new Error('no terminal'); };
    const { auth, step } = driver({ host: host({ hostname: 'hop.example' }), env: {}, prompt, jumpHost: true });
    await step(null);
    expect(await step(['password'])).toBe(false);
    expect(auth.failure()).toMatchObject({ code: 'ERR_ABORTED', message: 'prompt failed: no terminal', host: 'hop.example' });
  });

  it('an attempt that could not be chosen: ERR_AUTH naming the host, keeping the fields of the error it came from', async () => {
    const failing = new ScpipeError('ERR_CONFIG', 'cannot tell', { path: '/etc/ssh/ssh_config', remoteMessage: 'said' });
    const { auth, step } = driver({ host: host({ hostname: 'hop.example' }), env: {}, jumpHost: true, passwordsAllowed: () => { throw failing; } });
    await step(null);
    expect(await step(['password'])).toBe(false);
    expect(auth.failure()).toMatchObject({ code: 'ERR_AUTH', message: 'authentication failed: cannot tell', host: 'hop.example', path: '/etc/ssh/ssh_config', remoteMessage: 'said' });
  });

  // AuthenticationMethods password,keyboard-interactive (a one-time code by
  // PAM after the password): the code typed at the second step was kept as
  // the password, so a retry's reconnection sent the code as the password,
  // was refused, and asked for the password again. The other order too.
  it.each([
    [['password', 'keyboard-interactive']],
    [['keyboard-interactive', 'password']],
  ] as const)('keeps the password, not the one-time code, of a login that takes both (%j) for the next connection', async (steps) => {
    const passwordsSeen: string[] = [];
    const server = new Server({ hostKeys: [fs.readFileSync(hostKey)] }, (conn) => {
      let done = 0; // steps passed
      const next = (): void => ctx.reject([steps[done]!], done > 0);
      let ctx: { reject: (methods: AuthenticationType[], partial: boolean) => void };
      conn.on('authentication', (auth) => {
        ctx = auth;
        const passed = (): void => (++done === steps.length ? auth.accept() : next());
        if (auth.method !== steps[done]) return next();
        if (auth.method === 'password') {
          passwordsSeen.push(auth.password);
          return auth.password === 'the-password' ? passed() : next();
        }
        if (auth.method === 'keyboard-interactive') {
          return auth.prompt([{ prompt: 'Verification code: ', echo: false }], (answers) => (answers[0] === '123456' ? passed() : next()));
        }
        next();
      });
      conn.on('ready', () => conn.end());
      conn.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const typed: TypedSecrets = {};
    const questions: string[] = [];
    const prompt = async (q: string): Promise<string> => {
      questions.push(q);
      return q.startsWith('Verification') ? '123456' : 'the-password';
    };
    const login = (): Promise<void> => loginTyped(port, typed, prompt);
    try {
      await login();
      await login(); // a retry's reconnection: only the code is asked again
      expect(questions.filter((q) => q.includes('password'))).toEqual(["alice@h.example's password: "]);
      expect(questions.filter((q) => q.startsWith('Verification'))).toHaveLength(2);
      expect(passwordsSeen).toEqual(['the-password', 'the-password']);
      expect(typed.password).toBe('the-password');
    } finally {
      server.close();
    }
  });

  it('authenticates against a real ssh2 server (publickey after a wrong key, then password)', async () => {
    const goodKey = utils.parseKey(fs.readFileSync(`${plainKey}.pub`)) as ParsedKey;
    const server = new Server({ hostKeys: [fs.readFileSync(hostKey)] }, (conn) => {
      conn.on('authentication', (ctx) => {
        if (ctx.method === 'publickey' && ctx.key.algo === 'ssh-ed25519' && goodKey.getPublicSSH().equals(ctx.key.data)) {
          if (!ctx.signature) return ctx.accept(); // the query before signing
          return goodKey.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) ? ctx.reject(['password'], true) : ctx.reject();
        }
        if (ctx.method === 'password' && ctx.password === 'pw') return ctx.accept();
        ctx.reject(['publickey', 'password']);
      });
      conn.on('ready', () => conn.end());
      conn.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const offered: string[] = [];
    const auth = createAuthHandler({
      host: host({ identityFiles: [encKey, otherKey, plainKey] }),
      env: { SCPIPE_PASSWORD: 'pw' },
      log: (l) => { if (l.startsWith('offering')) offered.push(l.split(' ')[3]); },
    });
    const client = new Client();
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('ready', resolve).once('error', reject);
        client.connect({ host: '127.0.0.1', port, username: 'alice', authHandler: auth.handler, hostVerifier: () => true });
      });
      expect(auth.triedMethods()).toEqual(['publickey', 'password']);
      expect(offered).toEqual([otherKey, plainKey]);
    } finally {
      client.end();
      server.close();
    }
  });
});
