import { ScpipeError } from '../../../lib/errors';
import { SummaryRecorder, type JsonSummary } from '../../../cli/json-summary-recorder';
import { expectSchema } from '../../helpers/json-schema';

describe('SummaryRecorder', () => {
  it('writes one line of JSON for a success', () => {
    let text = '';
    const r = new SummaryRecorder('put', ['h:f'], { write: (t: string) => (text += t) });
    r.progress(10n);
    r.progress(5n);
    r.finish(undefined, 0);
    expect(text.endsWith('}\n')).toBe(true);
    const s = JSON.parse(text) as JsonSummary;
    expectSchema(s);
    expect(s).toMatchObject({ command: 'put', ok: true, exit_status: 0, destinations: ['h:f'], bytes: 10, error: null });
  });

  it('reports the error code and message, and the bytes the error carries', () => {
    const r = new SummaryRecorder('get', ['h:f'], { write: () => true });
    const s = r.summary(new ScpipeError('ERR_LOST_CONNECTION', 'lost', { bytes: 42n }), 1);
    expectSchema(s);
    expectSchema(r.summary(new Error('boom'), 1));
    expect(s).toMatchObject({ ok: false, exit_status: 1, bytes: 42, error: { code: 'ERR_LOST_CONNECTION', message: 'lost' } });
    expect(r.summary(new Error('boom'), 1).error).toMatchObject({ code: 'ERR_INTERNAL', message: 'boom', host: 'h', remote_path: 'f', temps_left: [], kept_whole: false, cut_short: [] });
  });

  it('writes DEL, the C1 controls and U+2028 as \\u escapes, as JSON.stringify does only the C0 ones', () => {
    let text = '';
    const r = new SummaryRecorder('put', ['h:f'], { write: (t: string) => (text += t) });
    r.finish(new ScpipeError('ERR_REMOTE', 'm', { path: 'a\nb\u001bc\u007fd\u009be\u2028f' }), 1);
    expect(text).toContain('"path":"a\\nb\\u001bc\\u007fd\\u009be\\u2028f"');
    expect(text.slice(0, -1)).toMatch(/^[\x20-\x7e]*$/);
    expect((JSON.parse(text) as JsonSummary).error!.path).toBe('a\nb\u001bc\u007fd\u009be\u2028f');
  });

  it('writes the bidi controls and invisible marks escapeForTerminal() escapes as \\u escapes too: a name cannot reorder the line it is shown on', () => {
    let text = '';
    const r = new SummaryRecorder('put', ['h:f'], { write: (t: string) => (text += t) });
    const odd = 'a\u202eb\u2066c\u2069d\u200be\u200ff\u061cg\ufeffh';
    r.finish(new ScpipeError('ERR_REMOTE', 'm', { path: odd }), 1);
    expect(text).toContain('"path":"a\\u202eb\\u2066c\\u2069d\\u200be\\u200ff\\u061cg\\ufeffh"');
    expect(text.slice(0, -1)).toMatch(/^[\x20-\x7e]*$/);
    expect((JSON.parse(text) as JsonSummary).error!.path).toBe(odd);
  });
});
