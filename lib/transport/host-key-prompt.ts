// StrictHostKeyChecking=ask, as ssh asks (sshconnect.c, confirm()): the
// fingerprint, then "yes", "no" (or Enter alone) or the fingerprint pasted;
// anything else asks again. The question goes through the caller's prompt (the CLI's is
// /dev/tty, since stdin is the data); null from it means no terminal.
import type { FirstConnectInfo } from './host-verifier';
import { sshKeyTypeName } from './host-key-messages';

type Prompt = (question: string, echo: boolean) => Promise<string | null>;

// Bounds the re-asking, so a terminal that answers garbage forever cannot hang a run.
const MAX_QUESTIONS = 10;

// A put to several targets on one host meets the same new key on each
// connection: asked once through the run's prompt, and the answer holds for
// the others.
const answers = new WeakMap<Prompt, Map<string, Promise<boolean | null>>>();

/** Asks whether to trust a new host key: true, false, or null (no terminal). */
export function askFirstConnect(prompt: Prompt, info: FirstConnectInfo): Promise<boolean | null> {
  let asked = answers.get(prompt);
  if (asked === undefined) answers.set(prompt, (asked = new Map()));
  const key = `${info.name} ${info.keyType} ${info.fingerprint}`;
  let answer = asked.get(key);
  if (answer === undefined) asked.set(key, (answer = ask(prompt, info)));
  return answer;
}

async function ask(prompt: Prompt, info: FirstConnectInfo): Promise<boolean | null> {
  let question =
    `The authenticity of host '${info.name}' can't be established.\r\n` +
    `${sshKeyTypeName(info.keyType)} key fingerprint is ${info.fingerprint}.\r\n` +
    'Are you sure you want to continue connecting (yes/no/[fingerprint])? ';
  for (let i = 0; i < MAX_QUESTIONS; i += 1) {
    const answer = await prompt(question, true);
    if (answer === null) return i === 0 ? null : false;
    // As confirm(): the first word counts, and Enter alone is no.
    const a = answer.trim().split(/[ \t]/)[0];
    if (/^yes$/i.test(a) || a === info.fingerprint) return true;
    if (a === '' || /^no$/i.test(a)) return false;
    question = "Please type 'yes', 'no' or the fingerprint: ";
  }
  return false;
}
