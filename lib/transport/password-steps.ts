// The password and keyboard-interactive attempts of a login (auth.ts): one
// with SCPIPE_PASSWORD where it is set for this host, else the password
// typed at an earlier connection of the run, then prompted rounds up to
// NumberOfPasswordPrompts. A password typed now is only a candidate for the
// run's reconnections until the server accepts the login with it.
import type { AnyAuthMethod, KeyboardInteractiveCallback, Prompt } from 'ssh2';
import { escapeForTerminal } from '../util/escape';
import type { ResolvedHost } from './ssh-config';

type Step = () => Promise<AnyAuthMethod | null>;

// A keyboard-interactive prompt kept for reconnections only when it is
// surely a password's: one hidden prompt alone in its round, saying
// password and naming no code (a one-time code replayed is refused, and may
// count against the account). Unsure, the reconnection asks again.
// Linux-PAM's own translations of "Password:" included: sshd's PAM may speak the server's language.
const SAYS_PASSWORD = /pass(word|wort|phrase|ord)|kennwort|mot de passe|contrase|senha|wachtwoord|l\u00f6senord|salasana|has\u0142o|heslo|jelsz\u00f3|parol|\u043f\u0430\u0440\u043e\u043b\u044c|\u30d1\u30b9\u30ef\u30fc\u30c9|\u5bc6\u7801|\u5bc6\u78bc|\uc554\ud638|\ube44\ubc00\ubc88\ud638/i;
const NAMES_CODE = /code|one[- ]?time|\botp\b|oath|verif|token|\bpin\b|two[- ]?factor|2fa|duo|yubi|einmal|usage unique|un solo uso|\u4e00\u6b21|\u30ef\u30f3\u30bf\u30a4\u30e0/i;

// The login a prompt names ("(alice@codehost) Password:", "alice@h's
// password:") is no word of it: a host or user named "code" is no code.
const LOGIN_NAMED = /[^\s()'"`]*@[^\s()'"`:]*/g;

/** Whether `p`, one of `count` prompts of its round, asks a password (not a one-time code). */
export function asksPassword(p: Prompt, count: number): boolean {
  const words = p.prompt.replace(LOGIN_NAMED, ' ');
  return !p.echo && count === 1 && SAYS_PASSWORD.test(words) && !NAMES_CODE.test(words);
}

/** What the password attempts need of the login (auth.ts). */
export interface PasswordContext {
  username: string;
  host: Readonly<ResolvedHost>;
  /** SCPIPE_PASSWORD, unless this is a ProxyJump hop. */
  envPassword: string | undefined;
  maxTries: number;
  log: (line: string) => void;
  /** False without a terminal or with BatchMode: nothing is asked. */
  canAsk: boolean;
  /** Asks the user; null: no answer (EOF, or authentication abandoned). */
  ask: (question: string, echo: boolean) => Promise<string | null>;
  /** Notes, once, that no password could be had and why; returns null. */
  noPassword: () => null;
  /** Notes why something was not offered (for the Permission denied message); returns null. `what` is escaped there, as given. */
  skip: (what: string, why: string) => null;
  /** The password typed at an earlier connection of the run, tried once first. */
  typedBefore: string | undefined;
  /** The method it was taken by: one the password method sent is not sent at a keyboard-interactive prompt, maybe a code's. */
  typedBy?: PasswordMethod;
}

export type PasswordMethod = 'password' | 'keyboard-interactive';

/** A password the run may keep, and the method it was sent by. */
export interface Kept {
  password: string;
  method: PasswordMethod;
}

/** The attempts of both methods, and the password the current attempt sent (none for SCPIPE_PASSWORD). */
export interface PasswordSteps {
  keyboardInteractive: Step;
  password: Step;
  /** The password of the attempt under way: kept for the run once the login succeeds. */
  candidate(): Kept | undefined;
  /** The server rejected the attempt: its password is not replayed (a typo). */
  rejected(): void;
  /** The server took the attempt with partial success: its answer is kept, not a later keyboard-interactive one (a one-time code); the password method's is a password all the same. */
  partlyAccepted(): void;
}

export function passwordSteps(ctx: PasswordContext): PasswordSteps {
  const { envPassword, maxTries, username, noPassword, skip, log } = ctx;
  // The password typed at an earlier connection of the run: tried once, by
  // keyboard-interactive or password, whichever comes first, before asking
  // (by the password method only, where that took it).
  let typedAgain = ctx.typedBefore;
  const takeTyped = (): string | undefined => {
    const pw = typedAgain;
    typedAgain = undefined;
    return pw;
  };
  let candidate: Kept | undefined;
  let accepted: Kept | undefined; // taken with partial success (AuthenticationMethods password,keyboard-interactive)
  const kbd = (password: string): Kept => ({ password, method: 'keyboard-interactive' });

  /** keyboard-interactive: once with SCPIPE_PASSWORD, else up to maxTries prompted rounds. */
  function kbdSteps(): Step {
    let count = 0;
    const limit = envPassword !== undefined ? 1 : ctx.canAsk ? maxTries : 0;
    return async () => {
      if (limit === 0) return noPassword();
      if (count >= limit) return null;
      count++;
      // SCPIPE_PASSWORD answers the attempt's first hidden prompt only: a
      // second one (a 2FA code after the password) must not be sent the password.
      let envUsed = false;
      let passwordPrompt: string | undefined; // the password's prompt: asked again, it is a retyped password, another one after it a code
      const respond = (name: string, instructions: string, _lang: string, prompts: Prompt[], finish: KeyboardInteractiveCallback): void => {
        void (async () => {
          const answers: string[] = [];
          const header = [name, instructions].filter(Boolean).map((t) => escapeForTerminal(t, true)).join('\n');
          for (const [i, p] of prompts.entries()) {
            const first = !p.echo && !envUsed; // the password, as SCPIPE_PASSWORD answers it
            // Kept, and sent what was kept, only where surely a password (asksPassword()).
            const password = envPassword === undefined && asksPassword(p, prompts.length) && (passwordPrompt === undefined || p.prompt === passwordPrompt);
            if (password) passwordPrompt = p.prompt;
            const again = password && ctx.typedBy !== 'password' ? takeTyped() : undefined;
            if (envPassword !== undefined && first) {
              envUsed = true;
              answers.push(envPassword);
            } else if (again !== undefined) {
              envUsed = true;
              log('keyboard-interactive: the password typed at the first connection');
              candidate = kbd(again);
              answers.push(again);
            } else {
              const q = (i === 0 && header ? `${header}\n` : '') + escapeForTerminal(p.prompt);
              const answer = await ctx.ask(q, Boolean(p.echo));
              if (first) envUsed = true;
              // The candidate for the run's reconnections (a one-time code is not).
              if (password && answer !== null) candidate = kbd(answer);
              if (answer === null) {
                if (envPassword !== undefined) {
                  const cannot = ctx.host.batchMode ? 'BatchMode forbids asking' : 'no answer from a terminal';
                  skip(`an answer to '${p.prompt}'`, `SCPIPE_PASSWORD answers only the first hidden prompt, the password; ${cannot}`);
                } else if (count === 1) noPassword();
                count = limit; // no terminal or EOF: stop asking
              }
              answers.push(answer ?? '');
            }
          }
          finish(answers);
        })();
      };
      return { type: 'keyboard-interactive', username, prompt: respond };
    };
  }

  /** password: once with SCPIPE_PASSWORD, else up to maxTries prompts. */
  function passwordOnly(): Step {
    let count = 0;
    return async () => {
      if (envPassword !== undefined) {
        return count++ === 0 ? { type: 'password', username, password: envPassword } : null;
      }
      const password = takeTyped(); // once, not counted as a prompt
      if (password !== undefined) {
        log('password: the one typed at the first connection');
        candidate = { password, method: 'password' };
        return { type: 'password', username, password };
      }
      if (count >= maxTries) return null;
      count++;
      const pw = await ctx.ask(`${username}@${ctx.host.hostname}'s password: `, false);
      if (pw === null && count === 1) noPassword();
      if (pw === null) count = maxTries; // no terminal or EOF: stop asking
      candidate = pw === null ? undefined : { password: pw, method: 'password' };
      return pw === null ? null : { type: 'password', username, password: pw };
    };
  }

  return {
    keyboardInteractive: kbdSteps(),
    password: passwordOnly(),
    // The password method's answer is a password; a keyboard-interactive one after a partial success may be a code.
    candidate: () => (candidate?.method === 'password' ? candidate : accepted ?? candidate),
    rejected: () => {
      candidate = undefined;
    },
    partlyAccepted: () => {
      accepted ??= candidate;
    },
  };
}
