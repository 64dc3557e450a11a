// The mode and time rules of the local sink (docs/protocol.md §4.3), as pure functions.
import { mkdirMode, receivedMode, replacedMode, utimeSeconds, utimesArgs } from '../../../lib/fs/modes';

describe('receivedMode', () => {
  it('masks the umask and the setuid/setgid/sticky bits without -p (CVE-2026-35385)', () => {
    expect(receivedMode(0o4755, false, 0o022)).toBe(0o755);
    expect(receivedMode(0o2775, false, 0o002)).toBe(0o775);
    expect(receivedMode(0o666, false, 0o027)).toBe(0o640);
    expect(receivedMode(0o400, false, 0o022)).toBe(0o400);
  });

  it('keeps the exact mode, setuid included, with -p', () => {
    expect(receivedMode(0o4755, true, 0o077)).toBe(0o4755);
    expect(receivedMode(0o6751, true, 0o022)).toBe(0o6751);
  });
});

describe('replacedMode', () => {
  it('keeps the old permissions without -p, but not setuid/setgid', () => {
    expect(replacedMode(0o644, 0o100600, false)).toBe(0o600);
    expect(replacedMode(0o644, 0o104755, false)).toBe(0o755);
  });

  it('takes the incoming mode with -p', () => {
    expect(replacedMode(0o4750, 0o100600, true)).toBe(0o4750);
  });
});

describe('mkdirMode', () => {
  it('adds owner rwx so a read-only tree can be filled (D0555)', () => {
    expect(mkdirMode(0o555)).toBe(0o755);
    expect(mkdirMode(0o2000)).toBe(0o700);
  });
});

describe('utimeSeconds', () => {
  it('lands inside the intended microsecond (libuv truncates)', () => {
    for (const usec of [0, 1, 123456, 999999]) {
      const t = utimeSeconds(1_700_000_000n, usec)!;
      expect(Math.floor((t - 1_700_000_000) * 1e6)).toBe(usec);
    }
  });

  it('refuses what a double cannot carry', () => {
    expect(utimeSeconds(2n ** 62n, 0)).toBeUndefined();
    expect(utimesArgs({ mtime: 1n, mtimeUsec: 0, atime: 2n ** 63n, atimeUsec: 0 })).toBeUndefined();
    expect(utimesArgs({ mtime: 1n, mtimeUsec: 0, atime: 2n, atimeUsec: 0 })).toEqual([2.0000005, 1.0000005]);
  });
});
