// What an SFTP upload that failed left on the server, as the library's error
// carries it (`tempsLeft`, in its JSON too) beside the words of its message,
// against a fake server that drops the connection at chosen requests.
import type { SFTPWrapper } from 'ssh2';
import { put, type RetryEvent, type ScpipeError } from '../../lib';
import { OLD_TARGET, startHostileSftp, type FakeTree, type HostileSftp } from '../helpers/hostile-sftp';

const TEMP = /^\/d\/\.f\.scpipe-\w{6}$/;

const serverWithD = (drops: Pick<FakeTree, 'dropOnOpen' | 'dropOnRemove' | 'dropOnWrite' | 'dropOnRename'>) =>
  startHostileSftp({ stat: (path) => (path === '/d' || path === '.' ? { kind: 'dir' } : undefined), list: () => undefined, ...drops });

// The library's options for the fake, from the CLI flags it gives.
function target(fake: HostileSftp) {
  const args = fake.args();
  const after = (flag: string) => args[args.indexOf(flag) + 1]!;
  const options = args.filter((_, i) => args[i - 1] === '-o');
  return { host: '127.0.0.1', user: 'backup', port: Number(after('-P')), identityFiles: [after('-i')], configFile: 'none', options };
}

const opened = (fake: HostileSftp) => fake.uploads.ops.filter((op) => op.startsWith('open ')).map((op) => op.slice('open '.length));

describe('put over SFTP: the temporary files a failure left, as data', () => {
  it('--retries 0, lost at the open: the error lists the file that may be left, empty, and says it', async () => {
    const fake = await serverWithD({ dropOnOpen: () => true });
    try {
      const err = (await put(target(fake), '/d/f', Buffer.from('x'), { protocol: 'sftp', retries: 0 }).catch((e: unknown) => e)) as ScpipeError;
      const [temp] = opened(fake);
      expect(temp).toMatch(TEMP);
      expect(err.code).toBe('ERR_LOST_CONNECTION');
      expect(err.tempsLeft).toEqual([{ path: temp, state: 'empty' }]);
      expect(err.message).toMatch(new RegExp(`; an empty temporary file may be left in ${temp!.replace(/\./g, '\\.')}$`));
      expect(err.toJSON().tempsLeft).toEqual([{ path: temp, state: 'empty' }]);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  // --retries 0, lost after the open: no connection to remove the file over.
  it.each([
    ['during the writes: the partial upload', { dropOnWrite: (path: string) => TEMP.test(path) }, 'partial', '; the partial upload is left in '],
    ['at the rename: the whole upload, under one of two names', { dropOnRename: () => true }, 'renaming', "; the rename's answer was lost, so the upload, whole, is either in place as /d/f or left in "],
  ] as const)('--retries 0, lost %s is listed and said', async (_what, drops, state, said) => {
    const fake = await serverWithD(drops);
    try {
      const err = (await put(target(fake), '/d/f', Buffer.alloc(100_000, 1), { protocol: 'sftp', retries: 0 }).catch((e: unknown) => e)) as ScpipeError;
      const [temp] = opened(fake);
      expect(err.code).toBe('ERR_LOST_CONNECTION');
      expect(err.tempsLeft).toEqual([{ path: temp, state, ...(state === 'renaming' ? { target: '/d/f' } : {}) }]);
      expect(err.message).toContain(`${said}${temp}`);
      expect(err.toJSON().tempsLeft).toEqual(err.tempsLeft);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  // Each retry removes the file the loss before it left: the last error lists
  // only the last one, and each retry's event said the one left at that moment.
  it('lost at every open: only the file the last attempt left is listed, each retry told its own', async () => {
    const fake = await serverWithD({ dropOnOpen: () => true });
    const retries: RetryEvent[] = [];
    try {
      const err = (await put(target(fake), '/d/f', Buffer.from('x'), { protocol: 'sftp', retries: 2, backoffMs: [0], onRetry: (e) => retries.push(e) }).catch((e: unknown) => e)) as ScpipeError;
      const temps = opened(fake);
      expect(temps).toHaveLength(3);
      expect(fake.uploads.ops.filter((op) => op.startsWith('remove '))).toEqual(temps.slice(0, 2).map((t) => `remove ${t}`));
      expect(err.tempsLeft).toEqual([{ path: temps[2], state: 'empty' }]);
      expect(err.message).toMatch(new RegExp(`; 2 retries failed too, the last: [^;]*; an empty temporary file may be left in ${temps[2]!.replace(/\./g, '\\.')}$`));
      expect(retries.map((e) => (e.error as ScpipeError).tempsLeft)).toEqual([[{ path: temps[0], state: 'empty' }], [{ path: temps[1], state: 'empty' }]]);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  // The retry after the loss of the removal said only the removal's failure,
  // as if the file were gone; it is still there until the next attempt removes it.
  it('lost again while the file the lost open left is removed: that retry says the file is still left', async () => {
    const once = (test: (path: string) => boolean) => {
      let done = false;
      return (path: string): boolean => !done && test(path) && (done = true);
    };
    const fake = await serverWithD({ dropOnOpen: once((path) => TEMP.test(path)), dropOnRemove: once((path) => TEMP.test(path)) });
    const retries: RetryEvent[] = [];
    try {
      await put(target(fake), '/d/f', Buffer.from('five!'), { protocol: 'sftp', backoffMs: [0], onRetry: (e) => retries.push(e) });
      const [first] = opened(fake);
      expect(retries).toHaveLength(2);
      const second = retries[1]!.error as ScpipeError;
      expect(second.message).toMatch(new RegExp(`: remove: .*; an empty temporary file may be left in ${first!.replace(/\./g, '\\.')}$`));
      expect(second.tempsLeft).toEqual([{ path: first, state: 'empty' }]);
      expect([...fake.uploads.files.keys()]).toEqual(['/d/f']);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  // All its bytes were written when the rename was refused, and so was the
  // removal: the message called the file left "the partial upload".
  it('a whole upload whose rename and removal were refused: said and listed as whole, not partial', async () => {
    const fake = await startHostileSftp({
      stat: (path) => (path === '/d' || path === '.' ? { kind: 'dir' } : undefined),
      list: () => undefined,
      renameStatus: () => 3, // SSH_FX_PERMISSION_DENIED
      replyInstead: (kind, sftp, reqid) => kind === 'REMOVE' && (sftp.status(reqid, 3), true),
    });
    try {
      const data = Buffer.alloc(100_000, 1);
      const err = (await put(target(fake), '/d/f', data, { protocol: 'sftp', retries: 0 }).catch((e: unknown) => e)) as ScpipeError;
      const [temp] = opened(fake);
      expect(err.code).toBe('ERR_PERMISSION_DENIED');
      expect(err.message).toContain(`; the upload, whole but not renamed into place, is left in ${temp} (removing it failed: ${temp}: remove: `);
      expect(err.message).not.toContain('partial');
      expect(err.tempsLeft).toEqual([{ path: temp, state: 'whole', removeFailed: expect.stringContaining('remove: ') }]);
      expect(fake.uploads.files.get(temp!)!.equals(data)).toBe(true);
      expect(fake.uploads.files.has('/d/f')).toBe(false);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  // A server without posix-rename refuses a rename onto a name taken: the
  // old target is removed first. When the rename is then refused again, the
  // upload is the only copy left: it was named in the message, then removed.
  it('the old target removed, the rename then refused: the whole upload is kept and named, nothing removed after', async () => {
    const fake = await startHostileSftp({
      ...OLD_TARGET,
      renameStatus: () => 4, // SSH_FX_FAILURE, as OpenSSH's sftp-server says for a name taken
    });
    try {
      const data = Buffer.alloc(100_000, 2);
      const err = (await put(target(fake), '/d/f', data, { protocol: 'sftp', retries: 0 }).catch((e: unknown) => e)) as ScpipeError;
      const [temp] = opened(fake);
      expect(err.code).toBe('ERR_REMOTE');
      expect(err.message).toBe(`/d/f: removed, but the rename failed: the upload is whole in ${temp}`);
      expect(err.tempsLeft).toEqual([{ path: temp, state: 'whole' }]);
      expect(fake.uploads.ops.filter((op) => op.startsWith('remove '))).toEqual(['remove /d/f']);
      expect(fake.uploads.files.get(temp!)!.equals(data)).toBe(true);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  // The old target removed, the connection is lost at the rename after it:
  // the rename may have been made, so it is a lost connection (its retries
  // go on from the temporary file), not a refusal that says the upload is whole there.
  const renameLostAfterRemoval = () => {
    let renames = 0;
    return startHostileSftp({
      ...OLD_TARGET,
      renameStatus: () => (renames === 1 ? 4 : undefined), // the first: SSH_FX_FAILURE, the target taken
      dropOnRename: () => ++renames === 2, // the one after the removal
    });
  };

  it('the old target removed, lost at the rename after it, --retries 0: a lost connection that names both names', async () => {
    const fake = await renameLostAfterRemoval();
    try {
      const data = Buffer.alloc(100_000, 3);
      const err = (await put(target(fake), '/d/f', data, { protocol: 'sftp', retries: 0 }).catch((e: unknown) => e)) as ScpipeError;
      const [temp] = opened(fake);
      expect(err.code).toBe('ERR_LOST_CONNECTION');
      expect(err.tempsLeft).toEqual([{ path: temp, state: 'renaming', target: '/d/f' }]);
      expect(err.message).toContain(`; the rename's answer was lost, so the upload, whole, is either in place as /d/f or left in ${temp}`);
      expect(err.message).not.toContain('the upload is whole in');
      expect(fake.uploads.ops.filter((op) => op.startsWith('remove '))).toEqual(['remove /d/f']);
      expect(fake.uploads.files.get(temp!)!.equals(data)).toBe(true);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  it('the old target removed, lost at the rename after it: the retry renames the upload into place', async () => {
    const fake = await renameLostAfterRemoval();
    try {
      const data = Buffer.alloc(100_000, 4);
      const result = await put(target(fake), '/d/f', data, { protocol: 'sftp', retries: 1, backoffMs: [0] });
      expect(result.bytes).toBe(100_000n);
      expect(fake.uploads.files.get('/d/f')!.equals(data)).toBe(true);
      expect([...fake.uploads.files.keys()]).toEqual(['/d/f']);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  // The old target's removal lost unanswered (not made), the retry's --verify
  // read-back differs: the old file is still there, so not said removed.
  it('--verify, the removal of the old target lost unanswered, the read-back then differs: said maybe removed, the upload kept', async () => {
    const fake: HostileSftp = await startHostileSftp({
      ...OLD_TARGET,
      renameStatus: () => 4, // refused as taken: the old target is removed first
      dropOnRemove: (path) => {
        if (path !== '/d/f' || fake.uploads.ops.includes('remove /d/f (dropped)')) return false;
        const [temp] = opened(fake);
        fake.uploads.files.get(temp!)![0]! ^= 1; // what the retry reads back differs
        return true;
      },
    });
    try {
      const data = Buffer.alloc(100_000, 7);
      const err = (await put(target(fake), '/d/f', data, { protocol: 'sftp', verify: true, retries: 1, backoffMs: [0] }).catch((e: unknown) => e)) as ScpipeError;
      const [temp] = opened(fake);
      expect(err.code).toBe('ERR_CHECKSUM');
      expect(fake.uploads.ops.filter((op) => op.startsWith('remove '))).toEqual(['remove /d/f (dropped)']);
      expect(err.message).toMatch(new RegExp(`; the old /d/f may have been removed before the rename: the connection was lost before its removal was answered \\(the server has no posix-rename\\); the upload, whole but not renamed into place, is left in ${temp!.replace(/\./g, '\\.')}$`));
      expect(err.tempsLeft).toEqual([{ path: temp, state: 'whole' }]);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  // The old target removed, the rename's answer lost: the retry finds the
  // upload still under its temporary name. What stopped it then, before it
  // was renamed, removed it as any failed upload's: neither name held it after.
  let stop = new AbortController();
  it.each([
    ['a signal as it reopens the upload', 'ERR_ABORTED', 'aborted', (kind: string) => kind === 'OPEN' && (stop.abort(), false)],
    ['its close refused', 'ERR_REMOTE', '.*close: Failure', (kind: string, sftp: SFTPWrapper, reqid: number) => kind === 'CLOSE' && (sftp.status(reqid, 4, 'Failure'), true)],
  ] as const)('the old target removed, lost at the rename, then %s: the upload is kept and named, not removed', async (_what, code, said, then) => {
    stop = new AbortController();
    let renames = 0;
    const fake: HostileSftp = await startHostileSftp({
      ...OLD_TARGET,
      renameStatus: () => (renames === 1 ? 4 : undefined),
      dropOnRename: () => ++renames === 2,
      replyInstead: (kind, sftp, reqid) => fake.uploads.ops.includes('remove /d/f') && then(kind, sftp, reqid), // the retry's
    });
    try {
      const data = Buffer.alloc(100_000, 6);
      const err = (await put(target(fake), '/d/f', data, { protocol: 'sftp', retries: 1, backoffMs: [0], signal: stop.signal }).catch((e: unknown) => e)) as ScpipeError;
      const [temp] = opened(fake);
      expect(err.code).toBe(code);
      expect(err.message).toMatch(new RegExp(`^${said}; the old /d/f was removed before the rename .*; the upload, whole but not renamed into place, is left in ${temp!.replace(/\./g, '\\.')}$`));
      expect(err.tempsLeft).toEqual([{ path: temp, state: 'whole' }]);
      expect(fake.uploads.ops.filter((op) => op.startsWith('remove '))).toEqual(['remove /d/f']);
      expect(fake.uploads.files.get(temp!)!.equals(data)).toBe(true);
    } finally {
      await fake.stop();
    }
  }, 60_000);

  // A signal while the old target is removed and the rename refused after it:
  // the upload is the only copy left, and the abort removed it too.
  it('a signal while the old target is removed, the rename then refused: the whole upload is kept and named, not removed', async () => {
    const stop = new AbortController();
    let renames = 0;
    const fake = await startHostileSftp({
      ...OLD_TARGET,
      renameStatus: () => (++renames === 2 ? (stop.abort(), 4) : 4), // the second comes after the removal of /d/f
    });
    try {
      const data = Buffer.alloc(100_000, 5);
      const err = (await put(target(fake), '/d/f', data, { protocol: 'sftp', retries: 0, signal: stop.signal }).catch((e: unknown) => e)) as ScpipeError;
      const [temp] = opened(fake);
      expect(err.code).toBe('ERR_ABORTED');
      expect(err.message).toContain(`/d/f: removed, but the rename failed: the upload is whole in ${temp}`);
      expect(err.tempsLeft).toEqual([{ path: temp, state: 'whole' }]);
      expect(fake.uploads.ops.filter((op) => op.startsWith('remove '))).toEqual(['remove /d/f']);
      expect(fake.uploads.files.get(temp!)!.equals(data)).toBe(true);
    } finally {
      await fake.stop();
    }
  }, 60_000);
});
