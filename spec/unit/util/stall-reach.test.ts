import { StallReach } from '../../../lib/util/stall-reach';

// A reach on a clock the test moves; the probes it sends are answered when the test says.
function reached(canProbe = true): { reach: StallReach; clock: { t: number }; probes: Array<() => void> } {
  const clock = { t: 0 };
  const probes: Array<() => void> = [];
  const reach = new StallReach((answered) => {
    if (canProbe) probes.push(answered);
    return canProbe;
  }, () => clock.t);
  return { reach, clock, probes };
}

describe('StallReach: a wait counts once the remote is seen to have had the bytes', () => {
  it('bytes queued behind other channels\' (the connection receiving, the probe unanswered) are owed for nothing, however long', () => {
    const { reach, clock, probes } = reached();
    expect(reach.owedFor(0, 0)).toBe(0);
    expect(probes).toHaveLength(1);
    for (clock.t = 500; clock.t <= 10_000; clock.t += 500) {
      reach.heard(); // the other channels' window openings
      expect(reach.owedFor(0, clock.t)).toBe(0);
    }
    expect(probes).toHaveLength(1); // one probe while it is under way
  });

  it('counts from the answer to the first probe sent after the wait started', () => {
    const { reach, clock, probes } = reached();
    reach.owedFor(100, 100);
    clock.t = 6_000;
    reach.heard();
    probes[0]!();
    clock.t = 8_000;
    reach.heard();
    expect(reach.owedFor(100, 8_000)).toBe(2_000);
  });

  it('a probe sent before the wait started says nothing of it: another is sent', () => {
    const { reach, clock, probes } = reached();
    reach.owedFor(0, 0);
    clock.t = 1_000;
    probes[0]!();
    reach.heard();
    clock.t = 5_000;
    reach.heard();
    expect(reach.owedFor(2_000, 5_000)).toBe(0);
    expect(probes).toHaveLength(2);
    clock.t = 5_500;
    probes[1]!();
    reach.heard();
    expect(reach.owedFor(2_000, 9_000)).toBe(3_500);
  });

  it('a connection that received nothing since the wait started owes it all that time, answer or none', () => {
    const { reach, clock, probes } = reached();
    clock.t = 1_000;
    reach.heard();
    expect(reach.owedFor(2_000, 2_000)).toBe(0);
    expect(probes).toHaveLength(1);
    expect(reach.owedFor(2_000, 7_000)).toBe(5_000);
    clock.t = 7_500;
    reach.heard();
    expect(reach.owedFor(2_000, 9_000)).toBe(1_500);
  });

  it('where no probe can be sent, a wait counts from its start (as on one channel)', () => {
    const { reach, clock } = reached(false);
    clock.t = 3_000;
    reach.heard();
    expect(reach.owedFor(1_000, 3_000)).toBe(2_000);
    expect(reach.owedFor(1_000, 4_000)).toBe(3_000);
  });
});
