// What the ssh of each SFTP channel says of the connection: each says a
// changed host key's warning again, and the user sees it once.
import { SaidBefore } from '../../../lib/transport/ssh-stderr';

const WARNING = ['@@@@@', '@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @', '@@@@@', 'Offending key in /k:1'];

describe('SaidBefore', () => {
  it("the first ssh's lines pass, its own repeated border too; a later ssh's same lines do not, its new ones do", () => {
    const said = new SaidBefore();
    const first = said.forProcess();
    expect(WARNING.filter(first)).toEqual(WARNING);
    const second = said.forProcess();
    expect([...WARNING, 'Permission denied (publickey).'].filter(second)).toEqual(['Permission denied (publickey).']);
  });

  it('two ssh speaking at once: each line is said once, by whichever said it first', () => {
    const said = new SaidBefore();
    const [a, b] = [said.forProcess(), said.forProcess()];
    const shown = [a('@@@@@'), b('@@@@@'), b(WARNING[1]!), a(WARNING[1]!), a('@@@@@'), b('@@@@@')];
    expect(shown).toEqual([true, false, true, false, true, false]);
  });
});
