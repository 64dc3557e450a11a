// Chooses the SSH user-authentication attempts, in OpenSSH's order:
// publickey (ssh-agent, then identity files), keyboard-interactive and
// password, restricted to what the server still allows and what the config
// enables. Unlike OpenSSH, which first sends "none" to learn the server's
// methods, a key at hand is offered at once: a failure lists the methods just
// as well, and a login saves a round trip. Without a key, "none" goes first.
// Secrets come only from the SCPIPE_PASSWORD environment variable or the
// interactive prompt, never argv.
import type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware } from 'ssh2';
import { ScpipeError, isScpipeError, withMessage } from '../errors';
import { escapeForTerminal, peerText } from '../util/escape';
import type { IdentityContext } from './identity-file';
import { passwordSteps, type PasswordMethod } from './password-steps';
import { publickeySteps } from './publickey-steps';
import { isLazyKeyAgent } from './lazy-key';
import type { ResolvedHost } from './ssh-config';

/** Inputs of the auth handler. */
export interface AuthContext {
  host: Readonly<ResolvedHost>;
  /**
   * Asked before each password or keyboard-interactive attempt; the host
   * verifier answers false after accepting a changed key (HostVerifier.passwordsAllowed).
   */
  passwordsAllowed?: () => boolean;
  /** Environment for SSH_AUTH_SOCK and SCPIPE_PASSWORD; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** A ProxyJump hop, not the destination: never sent SCPIPE_PASSWORD. */
  jumpHost?: boolean;
  /** Asks the user; undefined (or BatchMode) means non-interactive. */
  prompt?: (question: string, echo: boolean) => Promise<string | null>;
  /** Verbose trace, one line per call. */
  log?: (line: string) => void;
  /** What ssh says at its default log level (a private key others can read); default: log. */
  warn?: (line: string) => void;
  /** Resolves true once the connection can offer certificates (certificate.ts); absent: none offered. */
  certificates?: Promise<boolean>;
  /**
   * The password and key passphrases typed at an earlier connection of this
   * run, kept for its reconnections (`--retries`): tried first instead of
   * asking again, so an unattended run does not wait at a prompt after a
   * lost connection.
   */
  typed?: TypedSecrets;
}

/** What was typed at a run's logins: the destination's, and each ProxyJump hop's by user@host:port as given. */
export interface TypedSecrets {
  password?: string;
  /** The method the password was taken by (password-steps.ts). */
  passwordBy?: PasswordMethod;
  passphrases?: Map<string, string>;
  hops?: Map<string, TypedSecrets>;
}

/** The secrets typed at hop `key`'s logins, kept in `typed`. */
export function hopSecrets(typed: TypedSecrets, key: string): TypedSecrets {
  const hops = (typed.hops ??= new Map());
  let own = hops.get(key);
  if (own === undefined) hops.set(key, (own = {}));
  return own;
}

/** The handler for ssh2's `authHandler` option plus what it did. */
export interface AuthHandler {
  handler: AuthHandlerMiddleware;
  /** Method types attempted so far, in first-use order ('none', 'agent', 'publickey', ...). */
  triedMethods(): string[];
  /** The methods the server last said can continue (empty before the first failure). */
  serverMethods(): string[];
  /** Identity files not offered, each `FILE (why)`: for the "Permission denied" message. */
  notOffered(): string[];
  /** Set when authentication was abandoned for a reason other than rejection (Ctrl-C at a prompt). */
  failure(): ScpipeError | undefined;
  /** Called once the server accepted the login: keeps the password it was accepted with (AuthContext.typed). */
  succeeded(): void;
}

/** ssh's default NumberOfPasswordPrompts. */
const DEFAULT_TRIES = 3;
const DEFAULT_ORDER = ['publickey', 'keyboard-interactive', 'password'];

type Step = () => Promise<AnyAuthMethod | null>;

// Builds the ssh2 authHandler for one connection. Each call of the handler
// answers asynchronously with the next attempt, or false when nothing is left.
export function createAuthHandler(ctx: AuthContext): AuthHandler {
  const env = ctx.env ?? process.env;
  const log = ctx.log ?? ((): void => undefined);
  const warn = ctx.warn ?? log;
  const ask = ctx.host.batchMode ? undefined : ctx.prompt;
  // SCPIPE_PASSWORD is the destination's: a jump host is another machine, often another's, and must not learn it.
  const envPassword = ctx.jumpHost ? undefined : env.SCPIPE_PASSWORD;
  const noEnvPassword = ctx.jumpHost && env.SCPIPE_PASSWORD !== undefined ? 'SCPIPE_PASSWORD is for the destination, never sent to a ProxyJump host' : 'SCPIPE_PASSWORD is not set';
  const maxTries = ctx.host.numberOfPasswordPrompts ?? DEFAULT_TRIES;
  const username = ctx.host.user;
  const tried: string[] = [];
  let lastMethods: string[] = [];
  let failed: ScpipeError | undefined;
  const agentKeys: Buffer[] = []; // what ssh-agent offered: not asked for again from the file
  const skipped: string[] = [];
  const skip = (file: string, why: string): null => {
    skipped.push(`${escapeForTerminal(file)} (${why})`);
    return null;
  };

  /** Asks via ctx.prompt; a rejection (Ctrl-C, an SSH_ASKPASS cancelled) abandons authentication. */
  async function askUser(question: string, echo: boolean): Promise<string | null> {
    if (!ask || failed) return null;
    try {
      return await ask(question, echo);
    } catch (err) {
      if (isScpipeError(err, 'ERR_AUTH')) failed = cancelled(question, err);
      else failed = err instanceof ScpipeError ? err : new ScpipeError('ERR_ABORTED', `prompt failed: ${(err as Error).message}`, { host: ctx.host.hostname, cause: err });
      return null;
    }
  }

  // The user declined to answer: said as theirs, naming the question (its last line, without the trailing colon's space).
  function cancelled(question: string, err: ScpipeError): ScpipeError {
    const asked = question.split(/\r?\n/).filter((line) => line.trim() !== '').pop()?.trim() ?? 'the question';
    return new ScpipeError('ERR_AUTH', `${username}@${ctx.host.hostname}: not logged in: the question "${asked}" was ${err.message}`, { host: ctx.host.hostname, cause: err });
  }

  // ssh's refusal names no password it could not ask for; a cron job's user needs to hear of SCPIPE_PASSWORD.
  let saidNoPassword = false;
  const noPassword = (): null => {
    if (saidNoPassword) return null;
    saidNoPassword = true;
    return skip('password', `${ctx.host.batchMode ? 'BatchMode forbids asking for it' : 'none: no answer from a terminal'}, and ${noEnvPassword}`);
  };

  const passwords = passwordSteps({
    username, host: ctx.host, envPassword, maxTries, log, canAsk: ask !== undefined, ask: askUser, noPassword, skip,
    typedBefore: ctx.typed?.password,
    typedBy: ctx.typed?.passwordBy,
  });
  let lastType: string | undefined;

  const passwordsAllowed = ctx.passwordsAllowed ?? ((): boolean => true);
  const enabled: Record<string, () => boolean> = {
    publickey: () => ctx.host.pubkeyAuthentication,
    'keyboard-interactive': () => ctx.host.kbdInteractiveAuthentication && passwordsAllowed(),
    password: () => ctx.host.passwordAuthentication && passwordsAllowed(),
  };
  // IdentityAgent: another socket, or none; default SSH_AUTH_SOCK.
  const sock = ctx.host.identityAgent === 'none' ? undefined : ctx.host.identityAgent ?? env.SSH_AUTH_SOCK;
  const keys: IdentityContext = {
    username, host: ctx.host, log, warn, agentKeys, agentSock: sock, certificates: ctx.certificates, skip,
    ask: ask && ((question) => askUser(question, false)),
    maxTries,
    passphrases: ctx.typed && (ctx.typed.passphrases ??= new Map()),
  };
  const steps: Record<string, Step> = {
    publickey: publickeySteps(keys, sock),
    'keyboard-interactive': passwords.keyboardInteractive,
    password: passwords.password,
  };
  const order = (ctx.host.preferredAuthentications ?? DEFAULT_ORDER).filter((m) => m in steps);

  async function nextAttempt(methodsLeft: AuthenticationType[] | null): Promise<AnyAuthMethod | false> {
    // No answer from the server yet: the first attempt, or one ssh2 could not
    // send (an agent with no keys, or none it can use): the next key, else "none".
    if (methodsLeft === null) {
      if (order[0] === 'publickey' && enabled.publickey!()) {
        const attempt = await steps.publickey!();
        if (failed) return false;
        if (attempt) return attempt;
      }
      return { type: 'none', username };
    }
    lastMethods = methodsLeft;
    for (const method of order) {
      if (failed) return false;
      // enabled() is read per call: the host key is verified after the handler is made.
      if (!lastMethods.includes(method as AuthenticationType) || !enabled[method]()) continue;
      const attempt = await steps[method]();
      if (failed) return false;
      if (attempt) return attempt;
    }
    log(`no more authentication methods to try (server allows: ${peerText(lastMethods.join(',')) || 'none'})`);
    return false;
  }

  const handler: AuthHandlerMiddleware = (methodsLeft, partial, next) => {
    // Called again after a password attempt: without partial success the server rejected it; with it, took it.
    if (methodsLeft !== null && (lastType === 'password' || lastType === 'keyboard-interactive')) {
      if (partial) passwords.partlyAccepted();
      else passwords.rejected();
    }
    nextAttempt(methodsLeft).then(
      (attempt) => {
        if (attempt) {
          // A lazy key file is offered as an agent of one key (lazy-key.ts): it is a key file's publickey.
          const type = attempt.type === 'agent' && isLazyKeyAgent(attempt.agent) ? 'publickey' : attempt.type;
          if (!tried.includes(type)) tried.push(type);
          lastType = attempt.type;
          log(`authentication: trying ${attempt.type}`);
        }
        next(attempt as AnyAuthMethod);
      },
      (err: unknown) => {
        // Said as this host's (a ProxyJump hop's is not the destination's), with what err says of itself.
        failed = withMessage(err, `authentication failed: ${(err as Error).message}`, { code: 'ERR_AUTH', host: ctx.host.hostname });
        next(false as unknown as AnyAuthMethod);
      },
    );
  };

  return {
    handler,
    triedMethods: () => [...tried],
    serverMethods: () => [...lastMethods],
    notOffered: () => [...skipped],
    failure: () => failed,
    succeeded: () => {
      const candidate = passwords.candidate();
      if (candidate !== undefined && ctx.typed) [ctx.typed.password, ctx.typed.passwordBy] = [candidate.password, candidate.method];
    },
  };
}
