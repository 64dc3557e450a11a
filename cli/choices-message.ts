// yargs refuses a value outside an option's choices in a block of its own
// ("Invalid values:\n  Argument: protocol, Given: "ftp", Choices: ..."):
// said here in one line, as every other usage error.
import { escapeForTerminal } from '../lib';

const BLOCK = /^Invalid values?:\n/;
const ENTRY = /^ {2}Argument: (-{0,2}[\w-]+), Given: (.*), Choices: (.*)$/;

/** `--protocol: "ftp" is not one of auto, scp, sftp`, one clause per option; other messages as they are. */
export function choicesLine(msg: string): string {
  if (!BLOCK.test(msg)) return msg;
  const entries = msg.replace(BLOCK, '').split('\n').map((line) => ENTRY.exec(line));
  if (entries.length === 0 || entries.some((m) => !m)) return msg;
  return entries
    .map((m) => {
      const [, name, given, choices] = m!;
      const flag = name!.startsWith('-') ? name! : `${name!.length === 1 ? '-' : '--'}${name}`;
      // yargs writes each value as JSON; typed text is shown back escaped, as everywhere.
      const values = listed(given!).map((v) => `"${escapeForTerminal(v)}"`);
      return `${flag}: ${values.join(', ')} ${values.length > 1 ? 'are' : 'is'} not one of ${listed(choices!).join(', ')}`;
    })
    .join('; ');
}

function listed(json: string): string[] {
  try {
    return (JSON.parse(`[${json}]`) as unknown[]).map(String);
  } catch {
    return [json];
  }
}
