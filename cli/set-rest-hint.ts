// A parts set whose part is missing or altered stops get at that part: the
// parts after it were neither fetched nor checked. Say how to save them, so
// a restore that cannot be whole keeps what can be had (docs/parts.md).
import { escapeForTerminal, isScpipeError, manifestName, partName, type Download, type Protocol } from '../lib';
import { partIndex, partsOf, withMessage } from '../lib/internal';
import { commandWord, pasteTarget, pasteWord, type PasteSpec } from './paste-target';

// The failures of one part: the remote's refusal (missing, unreadable) or a size or SHA-256 not the manifest's.
const PART_FAILED = new Set(['ERR_REMOTE', 'ERR_NO_SUCH_FILE', 'ERR_PERMISSION_DENIED', 'ERR_CHECKSUM']);

/** The options of the run that shape how a file comes (not which host): the next part's command gives them too. */
export interface FetchArgs {
  protocol?: Protocol;
  O?: boolean;
  s?: boolean;
  C?: boolean;
  l?: string;
  /** scp's -T: the names the remote sends are not checked, as in the run. */
  T?: boolean;
  retries?: number;
  'stall-timeout'?: string;
  'start-timeout'?: string;
}

/** `args` as words of a command to paste, as the run was given them. */
export function fetchWords(args: FetchArgs): string[] {
  const words: string[] = [];
  if (args.O) words.push('-O');
  if (args.s) words.push('-s');
  if (args.protocol !== undefined) words.push('--protocol', args.protocol);
  if (args.C) words.push('-C');
  if (args.l !== undefined) words.push('-l', args.l);
  if (args.T) words.push('-T');
  if (args.retries !== undefined) words.push('--retries', String(args.retries));
  if (args['stall-timeout'] !== undefined) words.push('--stall-timeout', args['stall-timeout']);
  if (args['start-timeout'] !== undefined) words.push('--start-timeout', args['start-timeout']);
  return words.map(commandWord);
}

/** `err` with the way to save the set's other parts, when a part before its last failed; else `err`. `given`: fetchWords() of the run. */
export function withRestOfSetHint(err: unknown, spec: PasteSpec, download: Download | undefined, given: string[] = []): unknown {
  const manifest = download?.manifest;
  if (manifest === undefined || !isScpipeError(err) || !PART_FAILED.has(err.code) || err.path === undefined) return err;
  const index = partIndex(manifest.name, err.path.slice(err.path.lastIndexOf('/') + 1));
  const count = partsOf(manifest).count;
  if (index === undefined || index + 1 >= count) return err;
  const dir = spec.path.slice(0, spec.path.length - manifest.name.length);
  const next = partName(manifest.name, index + 1);
  const check = `\`sha256sum -c ${pasteWord(manifestName(manifest.name))}\``;
  // The next part by its name: a glob (`NAME.*`) works where a shell expands it, not on scpipe serve.
  const save = `each is a file of its own (\`scpipe get --output ${[pasteWord(next), ...given].join(' ')} ${pasteTarget(spec, dir + next)}\` fetches the first), and ${check} names each bad one in a directory that holds them and the manifest`;
  const rest = index + 2 === count ? next : `${next}..${partName(manifest.name, count - 1)}`;
  return withMessage(err, `${err.message}; the parts after it, ${escapeForTerminal(rest)}, were not fetched: ${save}`);
}
