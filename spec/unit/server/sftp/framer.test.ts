// PacketFramer: whole packets out of any chunking, and the length limit that
// keeps a client from making the server buffer an arbitrary packet.
import { PacketFramer } from '../../../../lib/server/sftp/framer';
import { BadPacket, MAX_PACKET, PacketWriter } from '../../../../lib/server/sftp/wire';

const packets = [
  new PacketWriter().u8(1).u32(3).finish(),
  new PacketWriter().u8(17).u32(7).string('/a/b').finish(),
  new PacketWriter().u8(6).u32(8).string(Buffer.alloc(4)).u64(1n).string(Buffer.alloc(3000, 7)).finish(),
];
const stream = Buffer.concat(packets);

// The payloads as hex (jest compares long Buffers element by element, slowly).
function frame(chunks: Buffer[]): string[] {
  const f = new PacketFramer();
  const out: string[] = [];
  for (const c of chunks) {
    f.push(c);
    for (let p = f.next(); p; p = f.next()) out.push(p.toString('hex'));
  }
  expect(f.pending).toBe(0);
  return out;
}

const payloads = packets.map((p) => p.subarray(4).toString('hex'));

it('yields the same packets whole, split at every offset, and byte by byte', () => {
  expect(frame([stream])).toEqual(payloads);
  for (let i = 1; i < stream.length; i++) expect(frame([stream.subarray(0, i), stream.subarray(i)])).toEqual(payloads);
  expect(frame([...stream].map((b) => Buffer.from([b])))).toEqual(payloads);
});

it('refuses a zero length and one above 256 KiB before buffering the body', () => {
  const f = new PacketFramer();
  f.push(Buffer.from([0, 0, 0, 0]));
  expect(() => f.next()).toThrow(BadPacket);
  const g = new PacketFramer();
  const head = Buffer.alloc(4);
  head.writeUInt32BE(MAX_PACKET + 1);
  g.push(head);
  expect(() => g.next()).toThrow(/bad packet length 262145/);
});
