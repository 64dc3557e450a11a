// OpenSSH user certificates (CertificateFile, and KEY-cert.pub next to an
// identity file, as ssh finds them) for the ssh2 transport. ssh2 1.x offers
// a key under the key's own algorithm only; a certificate goes out under the
// certificate's algorithm, with the signature inside named by the plain one
// (OpenSSH PROTOCOL.certkeys). So the publickey request for a certificate is
// built here, on ssh2's internal Protocol object (not public API: its shape is
// checked first, as ssh2-window.ts does; without it certificates are skipped).
import type { ParsedKey } from 'ssh2';
import { SshFields } from '../util/ssh-fields';

/** How a certificate algorithm is offered and signed. */
interface CertAlgorithm {
  /** The name offered (RSA: the SHA-2 form, as OpenSSH offers it). */
  offered: string;
  /** The plain key type, which names the signature. */
  plain: string;
  signatureName: string;
  /** The hash for the key's sign() (undefined: the key's own). */
  hash?: string;
}

const ALGORITHMS: Record<string, CertAlgorithm> = {
  'ssh-ed25519-cert-v01@openssh.com': { offered: 'ssh-ed25519-cert-v01@openssh.com', plain: 'ssh-ed25519', signatureName: 'ssh-ed25519' },
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': { offered: 'ecdsa-sha2-nistp256-cert-v01@openssh.com', plain: 'ecdsa-sha2-nistp256', signatureName: 'ecdsa-sha2-nistp256' },
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': { offered: 'ecdsa-sha2-nistp384-cert-v01@openssh.com', plain: 'ecdsa-sha2-nistp384', signatureName: 'ecdsa-sha2-nistp384' },
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': { offered: 'ecdsa-sha2-nistp521-cert-v01@openssh.com', plain: 'ecdsa-sha2-nistp521', signatureName: 'ecdsa-sha2-nistp521' },
  'ssh-rsa-cert-v01@openssh.com': { offered: 'rsa-sha2-512-cert-v01@openssh.com', plain: 'ssh-rsa', signatureName: 'rsa-sha2-512', hash: 'sha512' },
};

/** A certificate as read from its file. */
export interface Certificate {
  algorithm: CertAlgorithm;
  blob: Buffer;
  file: string;
}

const CERT = Symbol('scpipe.certificate');

/** A private key to be offered with its certificate. */
export type CertifiedKey = ParsedKey & { [CERT]: Certificate };

/** The certificate in `text` (an OpenSSH `-cert.pub` line), or a reason it is not one. */
export function parseCertificate(text: string, file: string): Certificate | string {
  const [type, base64] = text.trim().split(/\s+/);
  const algorithm = type === undefined ? undefined : ALGORITHMS[type];
  if (!algorithm) return `not a certificate of a supported type (${type || 'empty'})`;
  const blob = Buffer.from(base64 ?? '', 'base64');
  if (new SshFields(blob).string()?.toString('latin1') !== type) return 'its type does not match its contents';
  return { algorithm, blob, file };
}

/** True when `cert` certifies `key`: its public key fields follow the nonce. */
export function certifies(cert: Certificate, key: ParsedKey): boolean {
  const pub = new SshFields(key.getPublicSSH());
  if (pub.string()?.toString('latin1') !== cert.algorithm.plain) return false;
  const blob = new SshFields(cert.blob);
  if (!blob.string() || !blob.string()) return false; // its type, the nonce
  const fields = key.getPublicSSH().subarray(pub.at);
  return cert.blob.subarray(blob.at, blob.at + fields.length).equals(fields);
}

/** `key` as ssh2 should offer it with `cert` (it still signs with `key`). */
export function certifiedKey(key: ParsedKey, cert: Certificate): CertifiedKey {
  const hash = cert.algorithm.hash;
  return Object.create(key, {
    type: { value: cert.algorithm.offered },
    getPublicSSH: { value: () => cert.blob },
    sign: { value: (data: Buffer, algo?: string) => key.sign(data, algo ?? hash) },
    [CERT]: { value: cert },
  }) as CertifiedKey;
}

/** The hash a certified key signs with (undefined: its key's own, or not a certified key). */
export function certificateHash(key: unknown): string | undefined {
  return isCertified(key) ? key[CERT].algorithm.hash : undefined;
}

function isCertified(key: unknown): key is CertifiedKey {
  return typeof key === 'object' && key !== null && CERT in key;
}

// The parts of ssh2's Protocol (lib/protocol/Protocol.js, ssh2 1.x) that a
// publickey request goes through.
interface ProtocolInternals {
  authPK(username: string, key: unknown, keyAlgo?: unknown, cbSign?: unknown): void;
  _kex: { sessionID: Buffer };
  _authsQueue: string[];
  _packetRW: { write: { allocStart: number; alloc(n: number): Buffer; finalize(packet: Buffer): Buffer } };
}
interface ProtocolUtils {
  sendPacket(proto: ProtocolInternals, packet: Buffer): void;
  convertSignature(signature: Buffer, keyType: string): Buffer | false;
}
type Sign = (data: Buffer, done: (signature: Buffer) => void) => void;

/** `ready` resolves once enable() was given the connection's client: whether it can offer certificates. */
export function certificateSupport(): { ready: Promise<boolean>; enable(client: unknown): void } {
  let settle!: (ok: boolean) => void;
  const ready = new Promise<boolean>((resolve) => (settle = resolve));
  return { ready, enable: (client) => void enableCertificates(client).then(settle, () => settle(false)) };
}

/**
 * Lets `client` (an ssh2 Client after connect()) offer certified keys; false
 * when this ssh2's internals are not the ones known here.
 */
async function enableCertificates(client: unknown): Promise<boolean> {
  const proto = (client as { _protocol?: Partial<ProtocolInternals> })._protocol;
  if (!proto || typeof proto.authPK !== 'function' || !('_authsQueue' in proto) || !proto._packetRW?.write) return false;
  let utils: ProtocolUtils;
  try {
    const specifier = 'ssh2/lib/protocol/utils.js';
    utils = (await import(specifier)) as ProtocolUtils;
  } catch {
    return false;
  }
  if (typeof utils.sendPacket !== 'function' || typeof utils.convertSignature !== 'function') return false;
  const p = proto as ProtocolInternals;
  const original = p.authPK.bind(p);
  p.authPK = (username, key, keyAlgo, cbSign) => {
    if (!isCertified(key)) return original(username, key, keyAlgo, cbSign);
    const sign = (typeof keyAlgo === 'function' ? keyAlgo : cbSign) as Sign | undefined;
    sendCertificateRequest(p, utils, username, key[CERT], sign);
  };
  return true;
}

const str = (b: Buffer | string): Buffer => {
  const data = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
};
const USERAUTH_REQUEST = 50;

// RFC 4252 §7: the query (no signature) or the signed request.
function sendCertificateRequest(p: ProtocolInternals, utils: ProtocolUtils, username: string, cert: Certificate, sign?: Sign): void {
  const request = (signed: boolean): Buffer => Buffer.concat([
    Buffer.from([USERAUTH_REQUEST]), str(username), str('ssh-connection'), str('publickey'), Buffer.from([signed ? 1 : 0]),
    str(cert.algorithm.offered), str(cert.blob),
  ]);
  const send = (payload: Buffer): void => {
    const packet = p._packetRW.write.alloc(payload.length);
    packet.set(payload, p._packetRW.write.allocStart);
    p._authsQueue.push('publickey');
    utils.sendPacket(p, p._packetRW.write.finalize(packet));
  };
  if (!sign) return send(request(false));
  const body = request(true);
  sign(Buffer.concat([str(p._kex.sessionID), body]), (signature) => {
    const converted = utils.convertSignature(signature, cert.algorithm.plain);
    if (converted === false) throw new Error('Error while converting handshake signature');
    send(Buffer.concat([body, str(Buffer.concat([str(cert.algorithm.signatureName), str(converted)]))]));
  });
}
