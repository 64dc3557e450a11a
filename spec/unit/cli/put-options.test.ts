import { timings } from '../../../cli/commands/put';
import { checkPutArgs, parseMode, parseMtime, type PutLikeArgs } from '../../../cli/commands/put-args';

describe('put option parsing', () => {
  it('parses octal modes', () => {
    expect(parseMode('644')).toBe(0o644);
    expect(parseMode('0600')).toBe(0o600);
    expect(parseMode('4755')).toBe(0o4755);
  });

  it.each(['', '8', '0999', '12345', 'rw-r--r--', '0x1ff'])('refuses the mode %j', (m) => {
    expect(() => parseMode(m)).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });

  it('parses --mtime as epoch seconds or a date', () => {
    expect(parseMtime('1000000000')).toBe(1000000000n);
    expect(parseMtime('2020-01-02T03:04:05Z')).toBe(1577934245n);
    expect(() => parseMtime('yesterday')).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });

  it('reads --mtime numbers as seconds, never as V8 dates in 2001', () => {
    expect(parseMtime('1700000000.123456789')).toBe(1700000000n); // stat -c %.Y
    expect(parseMtime('4294967296')).toBe(4294967296n);
    expect(parseMtime('9223372036854775807')).toBe(9223372036854775807n);
    for (const t of ['-1', '-86400', '1969-12-31T23:59:59Z']) {
      expect(() => parseMtime(t)).toThrow(expect.objectContaining({ code: 'ERR_USAGE', message: expect.stringContaining('before 1970') }));
    }
    for (const t of ['1.5.2', '12 3', '9223372036854775808', 'Tuesday 2026']) {
      expect(() => parseMtime(t)).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
    }
  });

  it('refuses an --mtime after 2106 unless SCP is forced: SFTP would store it modulo 2^32', async () => {
    const base = { q: false, v: 0, quote: 'posix', 'scp-path': undefined, transport: 'ssh2' } as unknown as PutLikeArgs;
    const args = { ...base, p: true, mtime: '5000000000' };
    await expect(checkPutArgs(args)).rejects.toMatchObject({ code: 'ERR_USAGE', message: expect.stringContaining('give -O') });
    await expect(checkPutArgs({ ...args, O: true })).resolves.toMatchObject({ mtime: 5000000000n });
    await expect(checkPutArgs({ ...base, p: true, mtime: '4294967295' })).resolves.toMatchObject({ mtime: 4294967295n });
  });
});

describe("put -v's timings", () => {
  // A nightly job with both stored its backups before: warned, not refused (exit 2 stored nothing).
  it('warns that --remove-stale does nothing with SCP forced, and goes on', async () => {
    const base = { q: false, v: 0, quote: 'posix', 'scp-path': undefined, transport: 'ssh2', 'remove-stale': true } as unknown as PutLikeArgs;
    const said = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      for (const forced of [{ O: true }, { protocol: 'scp' }, { 'scp-path': '/usr/bin/scp' }]) {
        said.mockClear();
        await expect(checkPutArgs({ ...base, ...forced } as PutLikeArgs)).resolves.toMatchObject({ mode: 0o644 });
        expect(said.mock.calls.map((c) => String(c[0])).join('')).toContain('--remove-stale removes what an SFTP upload leaves; with SCP (-O) there is none, so it does nothing');
      }
      said.mockClear();
      await expect(checkPutArgs({ ...base, s: true } as PutLikeArgs)).resolves.toMatchObject({ mode: 0o644 });
      expect(said).not.toHaveBeenCalled();
    } finally {
      said.mockRestore();
    }
  });

  it('says how long until the first byte could go, then how long the sending took and at what rate', () => {
    expect(timings(1_000_000_000n, true, 1000, 2200, 4200)).toBe('spooled in 1.20 s, sent in 2.00 s (500 MB/s)');
    expect(timings(10n, false, 0, 150, 151)).toBe('set up in 0.15 s, sent in 0.00 s (0 MB/s)');
    expect(timings(0n, true, 0, 90, 90)).toBe('spooled in 0.09 s, sent in 0.00 s');
  });
});
