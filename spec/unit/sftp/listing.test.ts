import { ScpipeError } from '../../../lib/errors';
import { listDirectory, nameProblem } from '../../../lib/sftp/listing';
import type { SftpSession } from '../../../lib/sftp/session';

// A session whose listing is the given batches, then the end.
function lister(batches: unknown[]): { session: SftpSession; closed: () => boolean } {
  let closed = false;
  const fake = {
    opendir: async () => Buffer.from('d'),
    readdir: async () => batches.shift(),
    close: async () => void (closed = true),
  };
  return { session: fake as unknown as SftpSession, closed: () => closed };
}
const entry = (filename: string, dir = false) => ({ filename, longname: filename, attrs: { isDirectory: () => dir } });

describe('nameProblem', () => {
  it.each([
    ['', /empty/],
    ['.', /not a file name/],
    ['..', /not a file name/],
    ['../x', /contains "\/"/],
    ['/etc/passwd', /contains "\/"/],
    ['a\0b', /NUL/],
    ['a\nb', /control character/],
    ['\x1b]0;pwned\x07', /control character/],
    ['bad\uFFFD', /not valid UTF-8/],
  ])('refuses %j', (name, why) => {
    expect(nameProblem(name)).toMatch(why);
  });

  it.each(['a', 'a b', "it's", '-dash', 'ünïcödé', '.hidden', '...'])('accepts %j', (name) => {
    expect(nameProblem(name)).toBeUndefined();
  });

  it('escapes the name in its message', () => {
    expect(nameProblem('\x1b[2J')).toContain('\\x1b[2J');
  });
});

describe('listDirectory', () => {
  it('gathers every batch, skips . and .., reports bad names and closes the handle', async () => {
    const bad: ScpipeError[] = [];
    const { session, closed } = lister([[entry('.'), entry('..'), entry('a')], [entry('../evil'), entry('b', true)], undefined]);
    const got = await listDirectory(session, 'd', { onBadName: (e) => bad.push(e) });
    expect(got.map((e) => e.name)).toEqual(['a', 'b']);
    expect(bad.map((e) => e.code)).toEqual(['ERR_UNSAFE_NAME']);
    expect(closed()).toBe(true);
  });

  it('ends at an empty batch (a server that answers nothing forever)', async () => {
    const { session } = lister([[entry('a')], [], [entry('never')]]);
    expect((await listDirectory(session, 'd', { onBadName: () => undefined })).map((e) => e.name)).toEqual(['a']);
  });

  it('a name listed twice (a listing that loops) fails the directory', async () => {
    const { session, closed } = lister([[entry('a'), entry('b')], [entry('a')], [entry('a')]]);
    await expect(listDirectory(session, 'd', { onBadName: () => undefined })).rejects.toMatchObject({ code: 'ERR_PROTOCOL', message: 'd: the server listed "a" twice; not copying this directory' });
    expect(closed()).toBe(true);
  });

  it('more entries than the bound fail the directory', async () => {
    const { session } = lister([[entry('a'), entry('b')], [entry('c')]]);
    await expect(listDirectory(session, 'd', { maxEntries: 2, onBadName: () => undefined })).rejects.toMatchObject({ code: 'ERR_PROTOCOL', message: 'd: the server listed more than 2 entries; not copying this directory' });
  });

  it('something that is not a listing is a protocol error', async () => {
    for (const batch of [Buffer.from('xx'), [{ filename: 3, attrs: {} }], [null]]) {
      const { session } = lister([batch]);
      await expect(listDirectory(session, 'd', { onBadName: () => undefined })).rejects.toMatchObject({ code: 'ERR_PROTOCOL' });
    }
  });
});
