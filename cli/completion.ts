// Shell completion (`scpipe completion` prints the bash or zsh script, as
// yargs makes it): commands and options from the yargs definitions, and for
// a word that is not an option, the Host aliases of ~/.ssh/config as `alias:`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScpipeError, escapeForTerminal } from '../lib';
import { homeDirectory } from '../lib/internal';

/** The Host names of an ssh_config text that name one host (no wildcards, no negations). */
export function hostAliases(configText: string): string[] {
  const names = new Set<string>();
  for (const line of configText.split('\n')) {
    const m = /^\s*host\s*(?:=\s*|\s+)(.+)$/i.exec(line);
    if (!m) continue;
    for (const word of m[1].replace(/#.*/, '').split(/\s+/)) {
      if (word && !/[*?!]/.test(word)) names.add(word);
    }
  }
  return [...names];
}

/** `alias:` candidates for `current` from ~/.ssh/config (nothing when it cannot be read). */
export function hostCompletions(current: string, home?: string): string[] {
  if (current.startsWith('-') || current.includes(':')) return [];
  let text = '';
  try {
    text = readFileSync(join(home ?? homeDirectory(), '.ssh', 'config'), 'utf8');
  } catch {
    return [];
  }
  const user = current.includes('@') ? current.slice(0, current.indexOf('@') + 1) : '';
  const host = current.slice(user.length);
  return hostAliases(text).filter((a) => a.startsWith(host)).map((a) => `${user}${a}:`);
}

/** What `scpipe completion --help` prints: yargs would print the script itself. */
export const COMPLETION_HELP = `scpipe completion

Print the shell completion script for $SHELL, or for the shell named
(bash or zsh), on stdout:
  scpipe completion bash >> ~/.bashrc
  scpipe completion zsh >> ~/.zshrc
It completes commands, options, and the Host aliases of ~/.ssh/config as
targets (vault completes to vault:).
`;

/** Whether argv is `completion` with -h/--help (before any --). */
export function asksCompletionHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const words = end < 0 ? argv : argv.slice(0, end);
  return words.find((w) => !w.startsWith('-')) === 'completion' && words.some((w) => w === '-h' || w === '--help');
}

const SHELLS = ['bash', 'zsh'] as const;

/**
 * The shell `scpipe completion SHELL` names (undefined: none named, $SHELL
 * decides). yargs goes by $SHELL alone and printed bash's script for
 * `completion fish`, exit 0: a script that then fails in the user's rc file.
 */
export function completionShell(argv: readonly string[]): (typeof SHELLS)[number] | undefined {
  if (argv.includes('--get-yargs-completions')) return undefined;
  const end = argv.indexOf('--');
  const words = (end < 0 ? argv : argv.slice(0, end)).filter((w) => !w.startsWith('-'));
  if (words[0] !== 'completion' || words.length < 2) return undefined;
  const named = SHELLS.find((shell) => shell === words[1]);
  if (words.length > 2 || !named) {
    throw new ScpipeError('ERR_USAGE', `completion: "${escapeForTerminal(words.slice(1).join(' '))}" is not a shell scpipe completes; name bash or zsh`);
  }
  return named;
}
