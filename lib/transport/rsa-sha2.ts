// RSA key files sign with rsa-sha2-512 where the server lists it, as ssh
// does (its PubkeyAcceptedAlgorithms puts 512 first). ssh2 1.x takes
// rsa-sha2-256 whenever listed, so a server that accepts only rsa-sha2-512
// (PubkeyAcceptedAlgorithms rsa-sha2-512,...) refused a key ssh logs in with.
// Agent keys are left to ssh2 (the agent signs them; its hash is ssh2's choice).

// The parts of ssh2's Protocol (lib/protocol/Protocol.js, ssh2 1.x) used here.
interface ProtocolInternals {
  authPK(username: string, key: unknown, keyAlgo?: unknown, cbSign?: unknown): void;
  _handlers: { EXT_INFO?: (p: unknown, exts: Array<{ name: string; algs?: string[] }>) => void };
}
interface SigningKey {
  isPrivateKey(): boolean;
  sign(data: Buffer, algo?: string): Buffer | Error;
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
    if (keyAlgo !== 'rsa-sha2-256' || !serverSigAlgs.includes('rsa-sha2-512') || !isPrivate(key)) return original(username, key, keyAlgo, cbSign);
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
