// A parts upload counted a part spooled whole but waiting for a channel as
// in flight: --parallel 4 showed "5 part(s) in flight". The progress now
// tells the parts sending (never more than --parallel) from those waiting.
import { put, type Progress } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();

it('put of a parts set --parallel 4: at most 4 parts sending, the held fifth reported as waiting', async () => {
  const dir = await userDir(sshd.rssh, 'parts-put-progress');
  const seen: NonNullable<Progress['parts']>[] = [];
  const size = 24 * 65536;
  await put(connectOptions(sshd, sshd.rssh), `${dir}/set`, Buffer.alloc(size, 7), {
    partSize: 65536,
    parallel: 4,
    onProgress: (p) => p.parts && seen.push(p.parts),
  });
  expect(Math.max(...seen.map((p) => p.sending ?? Infinity))).toBe(4);
  expect(Math.max(...seen.map((p) => p.inFlight))).toBe(5); // an input read at once fills the fifth part held before a channel frees
  expect(seen.every((p) => p.sending! <= p.inFlight)).toBe(true);
  expect(seen.at(-1)).toEqual({ produced: BigInt(size), inFlight: 0, sending: 0 });
});
