import { InOrderWindow } from '../../../lib/util/in-order-window';

const after = (ms: number, report: () => void, fail?: Error): Promise<() => void> =>
  new Promise((resolve, reject) => setTimeout(() => (fail ? reject(fail) : resolve(report)), ms));

describe('InOrderWindow', () => {
  it('reports in start order whatever order the tasks end in', async () => {
    const heard: number[] = [];
    const w = new InOrderWindow();
    for (const [i, ms] of [[1, 30], [2, 1], [3, 15]] as const) w.add(after(ms, () => heard.push(i)));
    await w.settle();
    expect(heard).toEqual([1, 2, 3]);
    expect(w.size).toBe(0);
  });

  it('throws a failure at its turn, once the others have ended (those that succeeded reported), with no unhandled rejection before', async () => {
    const heard: number[] = [];
    let slowEnded = false;
    const w = new InOrderWindow();
    w.add(after(1, () => heard.push(1)));
    w.add(after(5, () => heard.push(2), new Error('lost')));
    w.add(after(40, () => heard.push(3)).finally(() => (slowEnded = true)));
    await new Promise((resolve) => setTimeout(resolve, 20)); // the failure is unheard meanwhile
    await expect(w.settle()).rejects.toThrow('lost');
    expect(heard).toEqual([1, 3]);
    expect(slowEnded).toBe(true);
  });
});
