// The `error` object of the --json summary (docs/json.md): the code and
// message, and the facts a script acts on without parsing the message: where
// the failure was, and what it left remotely (the library's error fields).
import { ScpipeError, parseRemoteSpec, type CutShort, type TempLeft } from '../lib';
import { isUnsafe } from '../lib/internal';

/** A file an upload left remotely, cut short: at most `written` of `size` bytes (fewer when its write `failed`). */
export interface JsonCutShort {
  path: string;
  written: number;
  size: number;
  failed: boolean;
}

/** A temporary file an SFTP upload left remotely (ScpipeError.tempsLeft). */
export interface JsonTempLeft {
  path: string;
  state: TempLeft['state'];
  /** `renaming`: the name the upload may be in place as already; else null. */
  target: string | null;
  /** Why removing it failed, when that was tried; else null. */
  remove_failed: string | null;
}

/** The summary's `error`. */
export interface JsonError {
  code: string;
  message: string;
  host: string | null;
  remote_path: string | null;
  path: string | null;
  missing_directory: string | null;
  remote_message: string | null;
  temps_left: JsonTempLeft[];
  kept_whole: boolean;
  cut_short: JsonCutShort[];
}

/**
 * `err` for the summary; `remotes`: the remote operands of the transfers that
 * failed, as given (host and remote_path come from the first, where the error names no host).
 */
export function jsonError(err: unknown, remotes: readonly string[]): JsonError {
  const e = err instanceof ScpipeError ? err : undefined;
  const spec = remotes.map(remoteSpec).find((s) => s !== null) ?? null;
  const temps = e?.tempsLeft ?? [];
  return {
    code: e?.code ?? 'ERR_INTERNAL',
    message: e?.message ?? (err instanceof Error ? err.message : String(err)),
    host: e?.host ?? spec?.host ?? null,
    remote_path: spec?.path ?? null,
    path: e?.path ?? null,
    missing_directory: e?.missingDirectory ?? null,
    remote_message: e?.remoteMessage ?? null,
    temps_left: temps.map((t) => ({ path: t.path, state: t.state, target: t.target ?? null, remove_failed: t.removeFailed ?? null })),
    kept_whole: temps.some((t) => t.state === 'whole'),
    // A parts set's list holds the failing part's own cutShort too, at its most.
    cut_short: (e?.partsLeft ?? (e?.cutShort === undefined ? [] : [e.cutShort])).map(cutShort),
  };
}

function cutShort(c: CutShort): JsonCutShort {
  return { path: c.path ?? c.name, written: Number(c.written), size: Number(c.size), failed: c.failed === true };
}

function remoteSpec(arg: string): { host: string; path: string } | null {
  try {
    return parseRemoteSpec(arg);
  } catch {
    return null; // a malformed operand: the usage error says so
  }
}

/**
 * JSON text safe on a terminal: JSON.stringify escapes the C0 controls (a
 * newline, ESC) but not DEL and the C1 controls (U+009B is a CSI to some
 * terminals), nor U+2028/2029, which some readers take for line ends, nor the
 * bidi controls and invisible marks: each one stderr shows escaped (escape.ts
 * isUnsafe), which reorder or hide what a name looks like.
 */
export function terminalSafeJson(value: unknown): string {
  // By code point (`u`): the halves of a character beyond U+FFFF are not lone surrogates.
  return JSON.stringify(value).replace(/[^\u0020-\u007e]/gu, (c) => (isUnsafe(c.codePointAt(0)!) ? `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}` : c));
}
