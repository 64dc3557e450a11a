// Which certificates go with an identity: those of CertificateFile and the
// identity's own FILE-cert.pub that certify its key (as ssh pairs them).
// A file that is missing, unreadable or not a certificate is skipped, with a
// line in the log, as ssh skips it.
import * as byteFs from '../fs/byte-fs';
import { escapeForTerminal } from '../util/escape';
import type { ParsedKey } from 'ssh2';
import { certifiedKey, certifies, parseCertificate, type CertifiedKey } from './certificate';

/** `key` with each certificate of `files` that certifies it, in order, each once. */
export async function certificatesFor(key: ParsedKey, files: string[], log: (line: string) => void): Promise<CertifiedKey[]> {
  const out: CertifiedKey[] = [];
  const seen = new Set<string>();
  for (const file of new Set(files)) {
    let text: string;
    try {
      text = (await byteFs.readFile(file)).toString('utf8');
    } catch {
      continue; // FILE-cert.pub next to most keys is absent: nothing to say
    }
    const cert = parseCertificate(text, file);
    if (typeof cert === 'string') {
      log(`certificate ${escapeForTerminal(file)} skipped: ${cert}`);
      continue;
    }
    const id = cert.blob.toString('base64');
    if (seen.has(id) || !certifies(cert, key)) continue;
    seen.add(id);
    log(`offering certificate ${escapeForTerminal(file)} ${cert.algorithm.offered}`);
    out.push(certifiedKey(key, cert));
  }
  return out;
}
