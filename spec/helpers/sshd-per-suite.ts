// One test sshd for a test file or a describe block: started before its
// first test, stopped after its last.
import { startSshd, type SshdOptions, type TestSshd } from './sshd';

/**
 * Registers beforeAll/afterAll in the current scope and returns the sshd
 * they start. The object is filled in by beforeAll, so read it inside tests
 * and hooks only (like a `let` assigned there).
 */
export function sshdPerSuite(opts: SshdOptions = {}): TestSshd {
  const sshd = {} as TestSshd;
  let started: TestSshd | undefined;
  beforeAll(async () => {
    started = await startSshd(opts);
    Object.assign(sshd, started);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return sshd;
}
