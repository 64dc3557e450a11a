// A --checksum-file that fails after a signal is said as every other failure
// is: an internal error's stack on its own lines, not one line of literal \n.
import { ScpipeError } from '../../../lib/errors';

jest.mock('../../../lib/internal', () => ({
  ...jest.requireActual('../../../lib/internal'),
  toBytes: () => {
    const e = new Error('boom');
    e.stack = 'Error: boom\n    at toBytes (byte-text.ts:1:1)';
    throw e;
  },
}));

import { writeStoredAfterSignal } from '../../../cli/checksums';

describe('writeStoredAfterSignal: a checksum file it cannot write', () => {
  it("says an internal error's stack on its lines", async () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const err = new ScpipeError('ERR_ABORTED', 'interrupted', { stored: true, sha256: 'a'.repeat(64), path: '/r/f.bin' });
      await writeStoredAfterSignal({ 'checksum-file': '/nonexistent-dir/sums' }, err);
      const said = write.mock.calls.map((c) => String(c[0])).join('');
      expect(said).toContain('scpipe: internal error: Error: boom\n    at toBytes (byte-text.ts:1:1)\n');
    } finally {
      write.mockRestore();
    }
  });
});
