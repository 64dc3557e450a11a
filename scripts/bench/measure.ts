// What the benchmark measures besides wall time: a process's peak RSS, and
// CPU seconds of this process's reaped children and of the whole machine
// (see scripts/bench.ts on "client" and "other" CPU).
import { spawnSync } from 'child_process';
import * as fs from 'fs';

/** Largest VmHWM (peak resident set) of `pid` seen while polling, in MiB. */
export function pollPeakRss(pid: number): () => number {
  let peakKiB = 0;
  const read = () => {
    try {
      const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
    } catch { /* exited */ }
  };
  read();
  const timer = setInterval(read, 20);
  return () => { clearInterval(timer); read(); return peakKiB / 1024; };
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system) of the children this process has reaped, and of their reaped descendants. */
export function reapedCpuSeconds(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3, state
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / CLOCK_TICKS; // cutime, cstime
}

/** CPU seconds all CPUs have been busy since boot: user, nice, system, irq and softirq (not idle, iowait or steal). */
export function machineBusySeconds(): number {
  const [user, nice, system, , , irq, softirq] = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq!) / CLOCK_TICKS;
}

