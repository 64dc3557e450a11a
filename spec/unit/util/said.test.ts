import { ScpipeError } from '../../../lib/errors';
import { Said, asSaid, said, saidError, saidOf } from '../../../lib/util/said';
import { toBytes } from '../../../lib/util/byte-text';

describe('said: one message, a raw form for the peer and an escaped one for a terminal', () => {
  it('keeps a peer\'s name as it is on the wire and escapes it once to show', () => {
    const m = said`${'/a\\b\x1bc\n'}: No such file or directory`;
    expect(m.wire).toBe('/a\\b\x1bc\n: No such file or directory');
    expect(m.shown).toBe('/a\\\\b\\x1bc\\n: No such file or directory');
    expect(String(m)).toBe(m.shown);
  });

  it('keeps the forms of a Said put in, so nothing is escaped twice', () => {
    const inner = said`${'x\\y'}: gone`;
    const outer = said`${'/d'}/${inner}`;
    expect(outer.wire).toBe('/d/x\\y: gone');
    expect(outer.shown).toBe('/d/x\\\\y: gone');
  });

  it('shows bytes that are not UTF-8 as \\xNN, and sends them as they are', () => {
    const m = said`${Said.bytes(Buffer.from([0x61, 0xff, 0x5c]))}: refused`;
    expect(m.shown).toBe('a\\xff\\x5c: refused');
    expect(toBytes(m.wire)).toEqual(Buffer.from([0x61, 0xff, 0x5c, ...Buffer.from(': refused')]));
  });

  it('changes both forms alike', () => {
    expect(said`${'/srv/root/\x1b'}`.map((t) => t.replace('/srv/root', ''))).toEqual(said`${'/\x1b'}`);
  });

  it('gives an error made with saidError its raw form back, and any other error its message', () => {
    const err = saidError('ERR_LOCAL_IO', said`${'p\x1b'}: Permission denied`, { path: 'p\x1b' });
    expect(err).toBeInstanceOf(ScpipeError);
    expect(err.message).toBe('p\\x1b: Permission denied');
    expect(saidOf(err).wire).toBe('p\x1b: Permission denied');
    expect(JSON.parse(JSON.stringify(err))).toEqual({ name: 'ScpipeError', code: 'ERR_LOCAL_IO', message: err.message, path: 'p\x1b' });
    const other = new ScpipeError('ERR_LOCAL_IO', 'already escaped \\x1b');
    expect(saidOf(other)).toEqual(Said.plain('already escaped \\x1b'));
    expect(asSaid('text')).toEqual(Said.plain('text'));
  });
});
