import { ManifestRoom } from '../../../../lib/client/parts/manifest-room';
import { MAX_PARTS } from '../../../../lib/client/parts/manifest';

// Takes room for parts until refused: how many, and the message.
function fill(room: ManifestRoom): { parts: number; message: string } {
  for (let parts = 0; ; parts++) {
    const full = room.take();
    if (full) return { parts, message: full.message };
  }
}

describe('ManifestRoom: how many parts a set may have', () => {
  // A 248-byte NAME fits NAME.899999 in 255 bytes, not NAME.90000000: part 900000 failed remotely, "File name too long", hours in.
  it('stops a set of a 248-byte name at 900000 parts, saying why', () => {
    const name = 'n'.repeat(248);
    expect(fill(new ManifestRoom(1n, MAX_PARTS, name))).toEqual({
      parts: 900_000,
      message: 'the stream is longer than 900000 parts of 1 bytes (900000 bytes), the most a set of a name this long may have (8-digit part names would pass 255 bytes): give a larger --part-size, or a shorter name',
    });
  });

  it('lets a set of a 246-byte name have them all', () => {
    expect(fill(new ManifestRoom(2n, MAX_PARTS, 'n'.repeat(246))).parts).toBe(MAX_PARTS);
  });
});
