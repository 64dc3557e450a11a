// An ssh-agent that lists one key and answers every sign request with a
// signature it makes up (a broken or hostile agent, which OpenSSH's own will
// not play): for the tests of what a client does with a malformed signature.
import { createServer, type Server } from 'node:net';

const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 0].map((_, i) => (b.length >>> (24 - 8 * i)) & 0xff)), b]);
const message = (type: number, body: Buffer): Buffer => str(Buffer.concat([Buffer.from([type]), body]));

const IDENTITIES_ANSWER = 12;
const SIGN_RESPONSE = 14;
const FAILURE = 5;

export interface HostileAgent {
  /** Sign requests answered so far. */
  signs(): number;
  close(): Promise<void>;
}

/** Serves at `sock` the public key `blob` (wire form) of type `type`, signing with `signature` (the inner blob). */
export async function startHostileAgent(sock: string, type: string, blob: Buffer, signature: Buffer): Promise<HostileAgent> {
  let signs = 0;
  const server: Server = createServer((conn) => {
    let buf = Buffer.alloc(0);
    conn.on('error', () => undefined);
    conn.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const kind = buf[4];
        buf = buf.subarray(4 + buf.readUInt32BE(0));
        if (kind === 11) conn.write(message(IDENTITIES_ANSWER, Buffer.concat([Buffer.from([0, 0, 0, 1]), str(blob), str(Buffer.from('hostile'))])));
        else if (kind === 13) {
          signs += 1;
          conn.write(message(SIGN_RESPONSE, str(Buffer.concat([str(Buffer.from(type)), str(signature)]))));
        } else conn.write(message(FAILURE, Buffer.alloc(0)));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  return { signs: () => signs, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
