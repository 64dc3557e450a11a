// RSA key files sign with rsa-sha2-512 where the server lists it, as ssh
// does (its PubkeyAcceptedAlgorithms puts 512 first). ssh2 1.x takes
// rsa-sha2-256 whenever listed, so a server that accepts only rsa-sha2-512
// (PubkeyAcceptedAlgorithms rsa-sha2-512,...) refused a key ssh logs in with.
// An RSA key in ssh-agent likewise: ssh2 asks the agent for the hash of its
// own choice from inside client.js, so the agent client (agent-filter.ts)
// turns that request into SSH_AGENT_RSA_SHA2_512 for a key offered here as
// rsa-sha2-512 (agentSignOptions), as ssh asks it.
import type { SigningRequestOptions } from 'ssh2';
// An encrypted key file (lazy-key.ts) is unlocked when ssh2 asks its one-key
// agent to sign: then with SHA-512 too.
import { isLazyKey, signLazyKeyWith } from './lazy-key';

// The parts of ssh2's Protocol (lib/protocol/Protocol.js, ssh2 1.x) used here.
interface ProtocolInternals {
  authPK(username: string, key: unknown, keyAlgo?: unknown, cbSign?: unknown): void;
  _handlers: { EXT_INFO?: (p: unknown, exts: Array<{ name: string; algs?: string[] }>) => void };
}
interface SigningKey {
  isPrivateKey(): boolean;
  sign(data: Buffer, algo?: string): Buffer | Error;
}
interface PublicKey {
  type: string;
  isPrivateKey(): boolean;
}
type Sign = (data: Buffer, done: (signature: Buffer) => void) => void;

/** Lets `client` (an ssh2 Client after connect()) sign RSA key files with rsa-sha2-512; false when its internals are not the known ones. */
export function preferRsaSha512(client: unknown): boolean {
  const proto = (client as { _protocol?: Partial<ProtocolInternals> })._protocol;
  if (!proto || typeof proto.authPK !== 'function' || typeof proto._handlers !== 'object' || proto._handlers === null) return false;
  const p = proto as ProtocolInternals;
  let serverSigAlgs: string[] = [];
  const onExtInfo = p._handlers.EXT_INFO;
  p._handlers.EXT_INFO = (packet, exts) => {
    serverSigAlgs = exts.find((e) => e.name === 'server-sig-algs')?.algs ?? serverSigAlgs;
    onExtInfo?.(packet, exts);
  };
  const original = p.authPK.bind(p);
  p.authPK = (username, key, keyAlgo, cbSign) => {
    if (keyAlgo !== 'rsa-sha2-256' || !serverSigAlgs.includes('rsa-sha2-512')) return original(username, key, keyAlgo, cbSign);
    if (isLazyKey(key)) {
      // An encrypted key file, unlocked when ssh2 asks its one-key agent to sign: then with SHA-512.
      signLazyKeyWith(key as object, 'sha512');
      return original(username, key, 'rsa-sha2-512', cbSign);
    }
    if (isAgentRsa(key)) {
      if (typeof cbSign !== 'function') return original(username, key, 'rsa-sha2-512');
      // ssh2's signer asks the agent at once (AgentContext.sign): for this key, with SHA-512.
      const sign: Sign = (data, done) => {
        sha512Asked.add(key);
        try {
          (cbSign as Sign)(data, done);
        } finally {
          sha512Asked.delete(key);
        }
      };
      return original(username, key, 'rsa-sha2-512', sign);
    }
    if (!isPrivate(key)) return original(username, key, keyAlgo, cbSign);
    if (typeof cbSign !== 'function') return original(username, key, 'rsa-sha2-512'); // the query: no signature yet
    const sign: Sign = (data, done) => {
      const signature = key.sign(data, 'sha512');
      if (signature instanceof Error) (cbSign as Sign)(data, done); // cannot happen for a key that signs SHA-256; ssh2's own then
      else done(signature);
    };
    return original(username, key, 'rsa-sha2-512', sign);
  };
  return true;
}

function isPrivate(key: unknown): key is SigningKey {
  const k = key as Partial<SigningKey> | null;
  return typeof k?.isPrivateKey === 'function' && typeof k.sign === 'function' && k.isPrivateKey();
}

// Agent keys (ssh2's parsed public keys) being signed for as rsa-sha2-512 right now.
const sha512Asked = new WeakSet<object>();

/** The agent sign request's options for `pubKey`: SHA-512 where preferRsaSha512 offered it as rsa-sha2-512. */
export function agentSignOptions(pubKey: unknown, options: SigningRequestOptions | undefined): SigningRequestOptions | undefined {
  return typeof pubKey === 'object' && pubKey !== null && sha512Asked.has(pubKey) ? { ...options, hash: 'sha512' } : options;
}

function isAgentRsa(key: unknown): key is PublicKey {
  const k = key as Partial<PublicKey> | null;
  return k?.type === 'ssh-rsa' && typeof k.isPrivateKey === 'function' && !k.isPrivateKey();
}
