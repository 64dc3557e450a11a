// expand-path@openssh.com (OpenSSH 8.7 and later): the server expands a
// `~user/` path, as OpenSSH's scp asks it to in its SFTP mode. ssh2 1.17's
// ext_openssh_expandPath writes the path's length 3 bytes too early, and
// sftp-server then ends the session, so the request is built here.
import { toBytes } from '../util/byte-text';
import { sendRequest } from './write-uncopied';

const SSH_FXP_EXTENDED = 200;
const NAME = Buffer.from('expand-path@openssh.com');

/** Sends the request; `cb` gets the reply as ssh2 reads it (a NAME's entries). False where ssh2's internals differ (nothing sent). */
export function expandPath(raw: unknown, path: string, cb: (err?: Error, names?: Array<{ filename?: unknown }>) => void): boolean {
  const arg = toBytes(path);
  const build = (reqid: number): Buffer => {
    const packet = Buffer.allocUnsafe(4 + 1 + 4 + 4 + NAME.length + 4 + arg.length);
    let p = packet.writeUInt32BE(packet.length - 4, 0);
    p = packet.writeUInt8(SSH_FXP_EXTENDED, p);
    p = packet.writeUInt32BE(reqid, p);
    p = packet.writeUInt32BE(NAME.length, p);
    p += NAME.copy(packet, p);
    p = packet.writeUInt32BE(arg.length, p);
    arg.copy(packet, p);
    return packet;
  };
  return sendRequest(raw, build, cb);
}
