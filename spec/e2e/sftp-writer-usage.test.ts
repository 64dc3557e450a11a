// PipelinedWriter and WriteLedger are public API: a program that uses them
// wrongly (no lanes, a piece over pieceSize, writePiece() after a write()
// that left bytes queued, an acknowledgement of an offset never taken) gets
// ERR_USAGE saying what it did, and nothing reaches the file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChannelOpener } from '../../lib/client/connection';
import { PipelinedWriter, SftpSession, WriteLedger, isScpipeError } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();

function usageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isScpipeError(err, 'ERR_USAGE')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('no error thrown');
}

it('no lanes, an acknowledgement of an offset never taken: ERR_USAGE, thrown at once', () => {
  expect(usageOf(() => new PipelinedWriter([], { path: '/x', pieceSize: 4, maxHeld: 16 }))).toBe(
    'PipelinedWriter: no lanes: give at least one WriteLane (a session and a handle open on the file)',
  );
  expect(usageOf(() => new WriteLedger().ack(12))).toBe('WriteLedger.ack(12): no chunk taken at that offset awaits its acknowledgement');
});

it('writePiece() over pieceSize, or after a write() that left bytes queued: ERR_USAGE, nothing written', async () => {
  const opener = new ChannelOpener(connectOptions(sshd, sshd.user));
  try {
    const path = join(await userDir(sshd.user, 'writer-usage'), 'f');
    const session = new SftpSession((await opener.sftp(new AbortController().signal)).session);
    const handle = await session.open(path, 'w');
    const writer = new PipelinedWriter([{ session, handle }], { path, pieceSize: 4, maxHeld: 16 });
    const over = await writer.writePiece(Buffer.from('12345')).catch((e: unknown) => e);
    expect(isScpipeError(over, 'ERR_USAGE')).toBe(true);
    expect((over as Error).message).toBe('PipelinedWriter: writePiece(): a piece of 5 bytes is over pieceSize (4)');
    await writer.write(Buffer.from('ab'));
    const mixed = await writer.writePiece(Buffer.from('cd')).catch((e: unknown) => e);
    expect(isScpipeError(mixed, 'ERR_USAGE')).toBe(true);
    expect((mixed as Error).message).toBe('PipelinedWriter: writePiece() after write() left 2 bytes queued: send a stream with one or the other');
    await session.close(handle, path);
    expect(await readFile(path)).toEqual(Buffer.alloc(0));
    session.end();
  } finally {
    opener.close();
  }
});
