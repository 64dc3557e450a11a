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

  // An sftp-server run with -e logs each open and close to its stderr, which
  // its channel's ssh passes on for the whole run: one line per file.
  it("keeps no more of one ssh's endless distinct lines than of the run's (a bounded few), however long it talks", () => {
    const said = new SaidBefore();
    const own = said.forProcess();
    const before = process.memoryUsage().heapUsed;
    const name = Buffer.alloc(300, 'x');
    for (let i = 0; i < 200_000; i++) {
      name.write(String(i));
      own(name.toString('latin1')); // 60 MB of lines, each a string of its own
    }
    const kept = process.memoryUsage().heapUsed - before;
    expect(kept).toBeLessThan(40 * 1024 * 1024); // kept, they were 65 MB
    expect(own('close "/x" bytes read 0 written 1')).toBe(true);
  });
});

