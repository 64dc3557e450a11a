// One identity file, as ssh loads it: refused when others can read it,
// its passphrase asked for (unless ssh-agent offered the key already), PKCS#8
// converted for ssh2, and offered with each certificate of it first.
import * as byteFs from '../fs/byte-fs';
import type { AnyAuthMethod, ParsedKey } from 'ssh2';
import { certificatesFor } from './certificate-files';
import { identityPublicKey, openSshPublicKey } from './identity-public';
import { fromPkcs8, isPkcs8 } from './pkcs8-key';
import { fingerprint } from './known-hosts';
import { lazyKeyAgent } from './lazy-key';
import { agentCertificateAgent } from './agent-certificate';
import type { ResolvedHost } from './ssh-config';
import { outOfDescriptors } from '../util/limits';
import { escapeForTerminal } from '../util/escape';

/** What loading a key needs from the auth handler. */
export interface IdentityContext {
  username: string;
  host: ResolvedHost;
  log: (line: string) => void;
  /** Said at ssh's default log level (a key others can read). */
  warn: (line: string) => void;
  /** Asks for a passphrase; absent: no terminal, or BatchMode. Null: no answer. */
  ask?: (question: string) => Promise<string | null>;
  maxTries: number;
  /** Keys ssh-agent offered already: their files are not asked about. */
  agentKeys: Buffer[];
  /** ssh-agent's socket, if one is used: it signs the certificates of an encrypted file whose key it holds. */
  agentSock?: string;
  certificates?: Promise<boolean>;
  /** Passphrases typed at an earlier connection of the run, by file: tried before asking again (AuthContext.typed). */
  passphrases?: Map<string, string>;
  /** Notes why `file` was not offered (for the Permission denied message); returns null. */
  skip: (file: string, why: string) => null;
}

// The key of `file`, after it the same key with each certificate of it
// (CertificateFile, FILE-cert.pub) first, as ssh offers them.
export async function loadIdentity(ctx: IdentityContext, file: string, explicit: boolean): Promise<AnyAuthMethod[] | null> {
  const { username, log, skip, maxTries } = ctx;
  let data: Buffer;
  try {
    const handle = await byteFs.open(file, 'r');
    try {
      const st = await handle.stat();
      data = await handle.readFile();
      if (looksPrivate(data) && tooOpen(st, file, ctx.warn)) return skip(file, 'readable by others');
    } finally {
      await handle.close();
    }
  } catch (err) {
    // Out of descriptors is said even for a default key: "Permission denied" alone would hide the cause.
    const limit = outOfDescriptors(err);
    if (!explicit && limit === undefined) return null;
    log(`identity file ${escapeForTerminal(file)} not accessible: ${escapeForTerminal((err as Error).message)}`);
    return skip(file, limit !== undefined ? `not readable: ${limit}` : (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not readable');
  }
  // ssh2 is loaded by now (it calls this handler); importing it here keeps it
  // out of start-up (ssh2-transport.ts loadSsh2).
  const { utils } = await import('ssh2');
  const parse = (pass?: string): ReturnType<typeof utils.parseKey> => {
    if (!isPkcs8(data)) return utils.parseKey(data, pass);
    const converted = fromPkcs8(data, pass);
    return converted instanceof Error ? converted : utils.parseKey(converted);
  };
  let key = parse();
  if (key instanceof Error && /no passphrase given/i.test(key.message)) {
    const pub = openSshPublicKey(data.toString('latin1')) ?? (await identityPublicKey(file));
    if (pub && ctx.agentKeys.some((k) => k.equals(pub))) {
      // Its certificates still go, signed by the agent's copy of the key, as ssh offers them.
      const byAgent = await agentCertificates(ctx, pub, file);
      if (byAgent) return byAgent;
      log(`skipping encrypted key ${escapeForTerminal(file)}: ssh-agent offered it already`);
      return null;
    }
    if (!ctx.ask) {
      log(`skipping encrypted key ${escapeForTerminal(file)}: no passphrase and no terminal to ask on`);
      return skip(file, ctx.host.batchMode ? 'encrypted, and BatchMode forbids asking for its passphrase' : 'encrypted, and there is no terminal to ask for its passphrase');
    }
    const typed = ctx.passphrases?.get(file);
    if (typed !== undefined) key = parse(typed);
    if (!(key instanceof Error)) log(`key ${escapeForTerminal(file)}: the passphrase typed at the first connection`);
    else if (maxTries === 0) return skip(file, 'encrypted, and NumberOfPasswordPrompts is 0'); // ssh asks nothing then
    else {
      let asked: Promise<ParsedKey | null> | undefined;
      const unlock = (): Promise<ParsedKey | null> => (asked ??= askPassphrase(ctx, file, parse));
      // Asked only if the server accepts the key, as ssh does (lazy-key.ts); with a certificate, first.
      const publicKey = pub && utils.parseKey(pub);
      if (publicKey && !(publicKey instanceof Error) && !Array.isArray(publicKey) && !(await hasCertificate(ctx, publicKey, file))) {
        log(`offering public key ${escapeForTerminal(file)} ${publicKey.type} ${fingerprint(publicKey.getPublicSSH())} (encrypted: its passphrase is asked if the server accepts it)`);
        const { BaseAgent } = await import('ssh2');
        return [{ type: 'agent', username, agent: lazyKeyAgent(BaseAgent, publicKey, unlock) }];
      }
      const unlocked = await unlock();
      if (unlocked === null) return null;
      key = unlocked;
    }
  }
  if (key instanceof Error || Array.isArray(key)) {
    const why = key instanceof Error ? key.message : 'unexpected format';
    log(`cannot load key ${escapeForTerminal(file)}: ${why}`);
    return skip(file, /passphrase/i.test(why) ? 'wrong passphrase' : `cannot be read: ${why}`);
  }
  const parsed = key as ParsedKey;
  if (!parsed.isPrivateKey()) {
    log(`${escapeForTerminal(file)} is not a private key; skipping`);
    return null;
  }
  const certified = !(await ctx.certificates) ? [] : (await certificatesFor(parsed, [...ctx.host.certificateFiles, `${file}-cert.pub`], log))
    .map((key): AnyAuthMethod => ({ type: 'publickey', username, key }));
  // As ssh (pubkey_prepare), a key ssh-agent offered is not offered again from
  // its file: a second refusal would use up one of the server's MaxAuthTries.
  if (ctx.agentKeys.some((k) => k.equals(parsed.getPublicSSH()))) {
    log(`skipping key ${escapeForTerminal(file)}: ssh-agent offered it already`);
    return certified.length ? certified : null;
  }
  log(`offering public key ${escapeForTerminal(file)} ${parsed.type} ${fingerprint(parsed.getPublicSSH())}`);
  return [...certified, { type: 'publickey', username, key: parsed }];
}

// A private key file (a FILE.pub given as IdentityFile is not one).
function looksPrivate(data: Buffer): boolean {
  return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|^PuTTY-User-Key-File-/m.test(data.subarray(0, 4096).toString('latin1'));
}

// ssh ignores a private key of ours that others may read (sshkey_perm_ok),
// and says so at its default log level: the key may have leaked.
function tooOpen(st: { uid: number; mode: number }, file: string, warn: (line: string) => void): boolean {
  if (st.uid !== process.getuid?.() || (st.mode & 0o077) === 0) return false;
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  const shown = escapeForTerminal(file);
  warn(`Permissions ${mode} for '${shown}' are too open: a private key must not be accessible by others; this key is ignored (chmod 600 '${shown}')`);
  return true;
}

// Up to NumberOfPasswordPrompts questions for `file`'s passphrase: its key, or
// null with the reason noted (no answer, an empty one, or only wrong ones).
async function askPassphrase(ctx: IdentityContext, file: string, parse: (pass?: string) => ParsedKey | ParsedKey[] | Error): Promise<ParsedKey | null> {
  // Typed meanwhile at another connection of the run (it is asked later now): not asked again.
  const typed = ctx.passphrases?.get(file);
  const again = typed === undefined ? undefined : parse(typed);
  if (again !== undefined && !(again instanceof Error) && !Array.isArray(again)) return again;
  for (let i = 0; i < ctx.maxTries; i++) {
    const pass = await ctx.ask!(`Enter passphrase for key '${file}': `);
    if (pass === null) return ctx.skip(file, 'encrypted, and there is no terminal to ask for its passphrase');
    if (pass === '') return ctx.skip(file, 'encrypted; an empty passphrase skips it'); // as ssh
    const key = parse(pass);
    if (key instanceof Error || Array.isArray(key)) {
      ctx.log(`bad passphrase for ${escapeForTerminal(file)}`);
      continue;
    }
    ctx.passphrases?.set(file, pass);
    return key;
  }
  return ctx.skip(file, 'wrong passphrase');
}

// The certificates of `file`, whose encrypted key (`pub`) ssh-agent holds, as an agent method signing through it; null: none.
async function agentCertificates(ctx: IdentityContext, pub: Buffer, file: string): Promise<AnyAuthMethod[] | null> {
  if (ctx.agentSock === undefined || !(await ctx.certificates)) return null;
  const { utils, OpenSSHAgent } = await import('ssh2');
  const key = utils.parseKey(pub);
  if (key instanceof Error || Array.isArray(key)) return null;
  const certified = await certificatesFor(key, [...ctx.host.certificateFiles, `${file}-cert.pub`], ctx.log);
  if (certified.length === 0) return null;
  ctx.log(`key ${escapeForTerminal(file)}: its certificates are signed by ssh-agent, which holds the key`);
  return [{ type: 'agent', username: ctx.username, agent: agentCertificateAgent(OpenSSHAgent, ctx.agentSock, key, certified) }];
}

// Whether a certificate of `key` would be offered (they go first, signed by the key, so it is unlocked first).
async function hasCertificate(ctx: IdentityContext, key: ParsedKey, file: string): Promise<boolean> {
  if (!(await ctx.certificates)) return false;
  return (await certificatesFor(key, [...ctx.host.certificateFiles, `${file}-cert.pub`], () => undefined)).length > 0;
}
