// keyboard-interactive answers kept for a run's reconnections (--retries):
// only a password's, never a one-time code, which a reconnection would send
// stale, be refused with, and maybe count against the account. An ssh2
// server stands in for sshd: this machine has no PAM OTP module to ask codes.
import type { AddressInfo } from 'node:net';
import { Server, type AuthenticationType } from 'ssh2';
import { generateHostKeyPair } from '../../../lib/server/host-key';
import { asksPassword } from '../../../lib/transport/password-steps';
import type { TypedSecrets } from '../../../lib/transport/auth';
import { loginTyped } from '../../helpers/auth-login';

type Round = Array<{ prompt: string; echo: boolean }>;

/**
 * A keyboard-interactive-only server asking `rounds` at each login; a
 * code's answer must be the login's own (`code(n)` at the nth login), a
 * password's 'the-password'. Records every round's answers.
 */
async function codeServer(rounds: Round[]) {
  const seen: string[][] = [];
  let logins = 0;
  const server = new Server({ hostKeys: [generateHostKeyPair().private] }, (conn) => {
    const login = ++logins;
    conn.on('authentication', (auth) => {
      if (auth.method !== 'keyboard-interactive') return auth.reject(['keyboard-interactive' as AuthenticationType]);
      const ask = (i: number): void => auth.prompt(rounds[i]!, (answers) => {
        seen.push(answers);
        const right = rounds[i]!.every((p, j) => answers[j] === (/password/i.test(p.prompt) && !/OATH|one-time/i.test(p.prompt) ? 'the-password' : code(login)));
        if (!right) return auth.reject(['keyboard-interactive' as AuthenticationType]);
        if (i + 1 < rounds.length) return ask(i + 1);
        auth.accept();
      });
      ask(0);
    });
    conn.on('ready', () => conn.end());
    conn.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { seen, port: (server.address() as AddressInfo).port, close: () => server.close(), logins: () => logins };
}
const code = (login: number): string => String(login).repeat(6);

/** Logs in over `port` as a run's connection does, with what the run typed before; the questions asked go to `asked`. */
async function login(port: number, typed: TypedSecrets, asked: string[], current: () => number): Promise<void> {
  await loginTyped(port, typed, async (q) => {
    asked.push(q);
    return /password/i.test(q) && !/OATH|one-time/i.test(q) ? 'the-password' : code(current());
  });
}

describe('keyboard-interactive answers kept for reconnections', () => {
  // The code typed at the first login was kept as if a password and sent
  // first at the reconnection of a retry: refused, then asked again.
  it.each([
    ['Verification code: '],
    ["One-time password (OATH) for `alice': "],
    ['Enter PASSCODE: '],
  ])('a one-time code at a keyboard-interactive-only login (%j) is asked again at a reconnection, never sent stale', async (text) => {
    const server = await codeServer([[{ prompt: text, echo: false }]]);
    try {
      const typed: TypedSecrets = {};
      const asked: string[] = [];
      await login(server.port, typed, asked, server.logins);
      await login(server.port, typed, asked, server.logins);
      expect(server.seen).toEqual([[code(1)], [code(2)]]);
      expect(asked).toEqual([text, text]);
      expect(typed.password).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('a password and a code asked in one round: neither kept, both asked again', async () => {
    const server = await codeServer([[{ prompt: 'Password: ', echo: false }, { prompt: 'Verification code: ', echo: false }]]);
    try {
      const typed: TypedSecrets = {};
      const asked: string[] = [];
      await login(server.port, typed, asked, server.logins);
      await login(server.port, typed, asked, server.logins);
      expect(server.seen).toEqual([['the-password', code(1)], ['the-password', code(2)]]);
      expect(asked).toHaveLength(4);
      expect(typed.password).toBeUndefined();
    } finally {
      server.close();
    }
  });

  // The code, the first hidden prompt, was kept, and sent at the code's prompt again.
  it('a code, then the password in a round of its own: the password is kept and sent at its own prompt, the code asked again', async () => {
    const server = await codeServer([[{ prompt: 'Verification code: ', echo: false }], [{ prompt: 'Password: ', echo: false }]]);
    try {
      const typed: TypedSecrets = {};
      const asked: string[] = [];
      await login(server.port, typed, asked, server.logins);
      await login(server.port, typed, asked, server.logins);
      expect(server.seen).toEqual([[code(1)], ['the-password'], [code(2)], ['the-password']]);
      expect(asked).toEqual(['Verification code: ', 'Password: ', 'Verification code: ']);
      expect(typed.password).toBe('the-password');
    } finally {
      server.close();
    }
  });

  it('asksPassword: a hidden prompt alone in its round that says password and names no code', () => {
    const hidden = (prompt: string) => ({ prompt, echo: false });
    expect(asksPassword(hidden('Password: '), 1)).toBe(true);
    expect(asksPassword(hidden("alice@h's password: "), 1)).toBe(true);
    expect(asksPassword(hidden('Passwort: '), 1)).toBe(true);
    // Linux-PAM's translations of its 'Password: '.
    for (const text of ['Senha: ', 'Пароль: ', 'Hasło: ', 'Wachtwoord: ', 'Lösenord: ', 'Salasana: ', 'Passord: ', 'Kennwort: ', 'Parola: ', 'Heslo: ', 'Jelszó: ', 'パスワード: ', '密码：', '암호: ', 'Mot de passe : ', 'Contraseña: ']) {
      expect(asksPassword(hidden(text), 1)).toBe(true);
    }
    for (const text of ['Einmalpasswort: ', 'Mot de passe à usage unique : ', 'Contraseña de un solo uso: ', 'ワンタイムパスワード: ', '一次性密码：']) {
      expect(asksPassword(hidden(text), 1)).toBe(false);
    }
    // The login the prompt names is not read for code words.
    for (const text of ['(backup@codeberg-mirror) Password: ', "duong@token-vault.example's password: ", 'Password for otp@verify.example: ']) {
      expect(asksPassword(hidden(text), 1)).toBe(true);
    }
    expect(asksPassword(hidden('(alice@passwords.example) Verification code: '), 1)).toBe(false);
    expect(asksPassword(hidden('(alice@passwords.example) Response: '), 1)).toBe(false);
    expect(asksPassword({ prompt: 'Password: ', echo: true }, 1)).toBe(false);
    expect(asksPassword(hidden('Password: '), 2)).toBe(false);
    for (const text of ['Verification code: ', 'One-time password: ', "One-time password (OATH) for `alice': ", 'Password + OTP: ', 'Token password: ', 'PIN: ', 'Enter PASSCODE: ', 'Response: ']) {
      expect(asksPassword(hidden(text), 1)).toBe(false);
    }
  });
});
