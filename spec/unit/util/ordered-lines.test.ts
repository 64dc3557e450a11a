import { OrderedLines } from '../../../lib/util/ordered-lines';

const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('OrderedLines', () => {
  it('says a task\'s lines once it and every task begun before it have ended', async () => {
    const out: string[] = [];
    const lines = new OrderedLines((line) => out.push(line));
    const [a, b, c] = [lines.begin(), lines.begin(), lines.begin()];
    c.say('c1');
    c.end();
    b.say('b1');
    b.say('b2');
    await settled();
    expect(out).toEqual([]);
    a.say('a1');
    a.end();
    await settled();
    expect(out).toEqual(['a1']);
    b.end();
    await settled();
    expect(out).toEqual(['a1', 'b1', 'b2', 'c1']);
  });

  it('a task that says nothing still lets the next ones through', async () => {
    const out: string[] = [];
    const lines = new OrderedLines((line) => out.push(line));
    const [quiet, loud] = [lines.begin(), lines.begin()];
    loud.say('x');
    loud.end();
    quiet.end();
    await settled();
    expect(out).toEqual(['x']);
  });

  it('runs a task\'s later() actions in its turn, also with no output (-v off), and said() waits for them', async () => {
    const done: string[] = [];
    const lines = new OrderedLines();
    const [slow, failed] = [lines.begin(), lines.begin()];
    failed.later(() => done.push('failed'));
    failed.end();
    await settled();
    expect(done).toEqual([]);
    slow.end();
    await lines.said();
    expect(done).toEqual(['failed']);
  });
});
