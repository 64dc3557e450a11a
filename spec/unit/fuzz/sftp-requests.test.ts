// Seeded fuzzing of what an SFTP client sends serve (docs/protocol.md §10):
// the framer and the request decoder give the request that was sent, or
// BadPacket (the session ends, as sftp-server's does), never another
// exception; the framer refuses a length past MAX_PACKET before buffering it.
import { PacketFramer } from '../../../lib/server/sftp/framer';
import { decodeRequest, type Request } from '../../../lib/server/sftp/requests';
import { BadPacket, MAX_PACKET, PacketWriter, REQ } from '../../../lib/server/sftp/wire';
import { fuzz, mutate, Rng, split } from '../../helpers/fuzz';

const SEEDS = [1, 2, 3, 5, 8, 13, 21, 34];
const opts = { opensshSymlinkOrder: true };

// A random request and its packet, as a client encodes it.
function randomRequest(rng: Rng): { req: Request; packet: Buffer } {
  const id = rng.int(2 ** 32);
  const path = Array.from({ length: rng.int(20) }, () => rng.pick(Array.from('/a. é\x1b\\\n中'))).join('');
  const handle = rng.bytes(rng.int(8));
  const w = (type: number): PacketWriter => new PacketWriter().u8(type).u32(id);
  switch (rng.int(6)) {
    case 0: {
      const offset = BigInt(rng.int(2 ** 31)) * BigInt(rng.int(2 ** 31));
      const length = rng.int(2 ** 32);
      return { req: { id, op: 'read', handle, offset, length }, packet: w(REQ.READ).string(handle).u64(offset).u32(length).finish() };
    }
    case 1: {
      const data = rng.bytes(rng.int(3000));
      return { req: { id, op: 'write', handle, offset: 7n, data }, packet: w(REQ.WRITE).string(handle).u64(7n).string(data).finish() };
    }
    case 2:
      return { req: { id, op: 'open', path, pflags: 0x1a, attrs: { mode: 0o644 } }, packet: w(REQ.OPEN).string(path).u32(0x1a).u32(4).u32(0o644).finish() };
    case 3:
      return { req: { id, op: 'rename', from: path, to: `${path}x` }, packet: w(REQ.RENAME).string(path).string(`${path}x`).finish() };
    case 4:
      return { req: { id, op: 'close', handle }, packet: w(REQ.CLOSE).string(handle).finish() };
    default: {
      const type = rng.pick([0, 2, 21, 100, 255]);
      return { req: { id, op: 'unknown-type', type }, packet: w(type).finish() };
    }
  }
}

it('decodes every request to what the client sent, whatever pieces it comes in', () => {
  fuzz(SEEDS, 25, (rng) => {
    const sent = Array.from({ length: 1 + rng.int(10) }, () => randomRequest(rng));
    const framer = new PacketFramer();
    const got: Request[] = [];
    for (const piece of split(rng, Buffer.concat(sent.map((s) => s.packet)))) {
      framer.push(piece);
      for (let p = framer.next(); p; p = framer.next()) got.push(decodeRequest(p, opts));
    }
    expect(got).toEqual(sent.map((s) => s.req));
    expect(framer.pending).toBe(0);
  });
});

it('answers a changed packet with a request or BadPacket', () => {
  fuzz(SEEDS, 500, (rng) => {
    const req = decodeRequest(mutate(rng, randomRequest(rng).packet.subarray(4)), opts);
    expect(req.id).toBeLessThan(2 ** 32);
  }, [BadPacket]);
});

it('refuses a length past MAX_PACKET, or 0, before the bytes arrive', () => {
  fuzz(SEEDS, 50, (rng) => {
    const framer = new PacketFramer();
    const len = rng.pick([0, MAX_PACKET + 1 + rng.int(2 ** 20), 2 ** 32 - 1]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(len);
    framer.push(head);
    expect(() => framer.next()).toThrow(BadPacket);
  });
});
