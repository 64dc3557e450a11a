// The records an error's context holds (errors.ts): what an upload left remotely.

/** See ScpipeErrorContext.cutShort. */
export interface CutShort {
  /** The name in the file's header. */
  name: string;
  /** The remote path asked for, when known (put). */
  path?: string;
  /** Bytes sent into the channel: the remote wrote at most these. */
  written: bigint;
  /** Bytes announced. */
  size: bigint;
  /** The remote said its write failed (a full disk): it holds fewer than `size` bytes. */
  failed?: boolean;
}

/** See ScpipeErrorContext.tempsLeft. */
export interface TempLeft {
  /** The temporary file's remote path. */
  path: string;
  /**
   * `empty`: an open whose answer was lost may have made it, empty;
   * `partial`: it holds part of the upload; `whole`: all of it, not renamed
   * into place; `renaming`: all of it, unless the rename whose answer was
   * lost made it `target` already (whichever name exists holds it).
   */
  state: 'empty' | 'partial' | 'whole' | 'renaming';
  /** `renaming`: the name the upload may be in place as. */
  target?: string;
  /** Why removing it failed, when that was tried (escaped for a terminal). */
  removeFailed?: string;
}
