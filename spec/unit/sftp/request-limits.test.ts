// The read and write lengths taken from what limits@openssh.com states.
import { usableLengths } from '../../../lib/sftp/request-limits';

it.each<[string, { maxPktLen?: number; maxReadLen?: number; maxWriteLen?: number }, number, number]>([
  ["OpenSSH's own", { maxPktLen: 262144, maxReadLen: 261120, maxWriteLen: 261120 }, 261120, 261120],
  ['0: no limit stated', { maxPktLen: 0, maxReadLen: 0, maxWriteLen: 0 }, 32768, 32768],
  ['nothing at all', {}, 32768, 32768],
  ['2^64-1 (as ssh2 reads it)', { maxPktLen: 2 ** 64, maxReadLen: 2 ** 64, maxWriteLen: 2 ** 64 }, 261120, 261120],
  ['below 64', { maxReadLen: 1, maxWriteLen: 63 }, 64, 64],
  ['longer than the stated packets leave room for', { maxPktLen: 34000, maxReadLen: 261120, maxWriteLen: 32000 }, 32976, 32000],
  ['packets too small for anything', { maxPktLen: 100, maxReadLen: 261120, maxWriteLen: 0 }, 64, 64],
  ['a stated packet length but no read or write limit', { maxPktLen: 20000 }, 18976, 18976],
])('%s', (_what, stated, read, write) => {
  expect(usableLengths(stated)).toEqual({ read, write });
});
