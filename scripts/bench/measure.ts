// What the benchmark measures besides wall time: a process's peak memory, and
// CPU seconds of this process's reaped children and of the whole machine
// (docs/performance.md §1 on "client" and "other" CPU).
import { spawnSync } from 'child_process';
import * as fs from 'fs';

/**
 * Peak memory of `pid` while polling, in MiB: its resident set plus the
 * growth of the machine's shared memory (/proc/meminfo Shmem), where
 * scpipe's memory file on /dev/shm is counted (lib/spool/memory-file.ts).
 * The larger of VmHWM (peak RSS) and the largest VmRSS + Shmem growth seen.
 */
export function pollPeakMemory(pid: number): () => number {
  const shmemKiB = (): number => Number(/^Shmem:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  const shmem0 = shmemKiB();
  let peakKiB = 0;
  const read = () => {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      peakKiB = Math.max(peakKiB, hwm, rss + Math.max(0, shmemKiB() - shmem0));
    } catch { /* exited */ }
  };
  read();
  const timer = setInterval(read, 20);
  return () => { clearInterval(timer); read(); return peakKiB / 1024; };
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU seconds (user + system) of the children this process has reaped, and
 * of their reaped descendants: the "client" of a run (everything its case
 * spawned). "Other" is machineBusySeconds() over the run minus this.
 */
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
