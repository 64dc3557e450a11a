// StrictHostKeyChecking=ask's question and the answers ssh takes.
import { askFirstConnect } from '../../../lib/transport/host-key-prompt';

const info = { name: '[127.0.0.1]:2222', keyType: 'ssh-ed25519', fingerprint: 'SHA256:abcDEF123' };

// A prompt that gives `answers` in turn and records the questions.
function scripted(answers: Array<string | null>) {
  const questions: string[] = [];
  const prompt = async (q: string): Promise<string | null> => {
    questions.push(q);
    return answers.shift() ?? null;
  };
  return { prompt, questions };
}

describe('askFirstConnect', () => {
  it('shows the name and fingerprint as ssh does', async () => {
    const s = scripted(['yes']);
    expect(await askFirstConnect(s.prompt, info)).toBe(true);
    expect(s.questions).toEqual([
      "The authenticity of host '[127.0.0.1]:2222' can't be established.\r\nED25519 key fingerprint is SHA256:abcDEF123.\r\n" +
        'Are you sure you want to continue connecting (yes/no/[fingerprint])? ',
    ]);
  });

  // A put to several targets on one host: one question, its answer for all.
  it('asks once per key through one prompt; another key is asked again', async () => {
    const s = scripted(['yes', 'no']);
    const [a, b] = await Promise.all([askFirstConnect(s.prompt, info), askFirstConnect(s.prompt, info)]);
    expect([a, b, s.questions.length]).toEqual([true, true, 1]);
    expect(await askFirstConnect(s.prompt, { ...info, fingerprint: 'SHA256:other' })).toBe(false);
    expect(s.questions.length).toBe(2);
  });

  it.each([
    [['yes'], true],
    [['YES'], true],
    [['SHA256:abcDEF123'], true],
    [['no'], false],
    [['No'], false],
    [['maybe', 'SHA256:other', ' yes '], true],
    [['maybe', null], false],
    [['yes please'], true],
    [['no thanks'], false],
    [['SHA256:abcDEF123 pasted'], true],
    [[null], null],
  ] as Array<[Array<string | null>, boolean | null]>)('answers %j → %j', async (answers, result) => {
    const s = scripted([...answers]);
    expect(await askFirstConnect(s.prompt, info)).toBe(result);
    if (answers.length > 1) expect(s.questions[1]).toBe("Please type 'yes', 'no' or the fingerprint: ");
  });

  it.each(['', '  '])('takes Enter alone (%j) as no at once, as ssh: not asked again', async (answer) => {
    const s = scripted([answer, 'yes']);
    expect(await askFirstConnect(s.prompt, info)).toBe(false);
    expect(s.questions).toHaveLength(1);
  });

  it('gives up (false) after ten answers that are none of them', async () => {
    const s = scripted(Array(20).fill('what'));
    expect(await askFirstConnect(s.prompt, info)).toBe(false);
    expect(s.questions).toHaveLength(10);
  });
});
