// What the benchmark measures besides wall time: a process's peak memory, and
// CPU seconds of this process's reaped children and of the whole machine
// (docs/performance.md §1 on "client" and "other" CPU).
import { spawnSync } from 'child_process';
import * as fs from 'fs';

/** `pid` and its descendants, from /proc/PID/task/TID/children (processes gone meanwhile left out). */
function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      for (const tid of fs.readdirSync(`/proc/${tree[i]}/task`)) {
        tree.push(...fs.readFileSync(`/proc/${tree[i]}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
      }
    } catch { /* exited */ }
  }
  return tree;
}

const statusKiB = (status: string, field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);

/** KiB in use on the file system of scpipe's memory file (lib/spool/memory-file.ts). */
function shmUsedKiB(): number {
  try {
    const st = fs.statfsSync('/dev/shm');
    return ((st.blocks - st.bfree) * st.bsize) / 1024;
  } catch {
    return 0; // none: the memory file stays in the process
  }
}

/**
 * Peak memory of `pid` and what it started while polling, in MiB: the
 * resident sets of the process and its descendants (the ssh processes of
 * --transport openssh, one per channel) plus what /dev/shm grew by, where
 * scpipe's memory file is (lib/spool/memory-file.ts). Not the machine's
 * Shmem, which counts every tmpfs: with /tmp in RAM, the spool and the
 * remote file sshd writes. The larger of `pid`'s VmHWM (its peak RSS,
 * between polls too) and the largest sum seen.
 */
export function pollPeakMemory(pid: number): () => number {
  const shm0 = shmUsedKiB();
  let peakKiB = 0;
  const read = () => {
    let hwm = 0;
    let rss = 0;
    for (const p of processTree(pid)) {
      try {
        const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
        if (p === pid) hwm = statusKiB(status, 'VmHWM');
        rss += statusKiB(status, 'VmRSS');
      } catch { /* exited */ }
    }
    peakKiB = Math.max(peakKiB, hwm, rss + Math.max(0, shmUsedKiB() - shm0));
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
