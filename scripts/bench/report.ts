// The bench's results: medians per case, each compared with its reference as
// a ratio of medians. It sets no targets: judging is left to the reader.
import { caseNamed } from './cases';
import { TINY_DATA } from './env';

export interface CaseResult {
  name: string;
  seconds: number[];
  peakMiB: number[];
  clientCpu: number[];
  otherCpu: number[];
  /** Set when a run of the case failed: which run, and why (its first line). The case ran no more. */
  failed?: string;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

// A case whose every run failed has no figures: undefined, shown as "–".
const ifAny = (xs: number[], f: (xs: number[]) => number): number | undefined => (xs.length ? f(xs) : undefined);

export function summarize(results: CaseResult[], size: number) {
  const med = new Map(results.flatMap((r) => (r.seconds.length ? [[r.name, median(r.seconds)] as const] : [])));
  return results.map((r) => {
    const c = caseNamed(r.name);
    const bytes = c.kind === 'tiny' ? TINY_DATA.length : size;
    const own = med.get(r.name);
    const ref = med.get(c.reference);
    const scale = c.kind === 'upload' || c.kind === 'parts' ? med.get('ssh-cat') : undefined;
    return {
      case: r.name,
      reference: c.reference,
      /** Why the case stopped (which run failed, and its first line); undefined when every run finished. */
      failed: r.failed,
      medianSeconds: own,
      mbPerSecond: own === undefined ? undefined : bytes / 1e6 / own,
      /** This case's median over its reference's (undefined when the reference did not run). */
      vsReference: ref === undefined || own === undefined ? undefined : own / ref,
      vsSshCat: scale === undefined || own === undefined ? undefined : own / scale,
      medianPeakMiB: ifAny(r.peakMiB, median),
      maxPeakMiB: ifAny(r.peakMiB, (xs) => Math.max(...xs)),
      medianClientCpuSeconds: ifAny(r.clientCpu, median),
      medianOtherCpuSeconds: ifAny(r.otherCpu, median),
      minSeconds: ifAny(r.seconds, (xs) => Math.min(...xs)),
      maxSeconds: ifAny(r.seconds, (xs) => Math.max(...xs)),
      seconds: r.seconds,
      peakMiB: r.peakMiB,
      clientCpuSeconds: r.clientCpu,
      otherCpuSeconds: r.otherCpu,
    };
  });
}
export type Row = ReturnType<typeof summarize>[number];

/** A line for each case whose reference was not among the cases run: its ratio column shows "–". */
export function missingReferences(names: readonly string[]): string[] {
  return names
    .filter((name) => !names.includes(caseNamed(name).reference))
    .map((name) => `note: no ratio for ${name}: its reference ${caseNamed(name).reference} did not run (add it to --cases)`);
}

/** A Markdown table of the rows. */
export function table(rows: Row[]): string {
  const f = (x: number | undefined, d: number) => (x === undefined ? '–' : x.toFixed(d));
  const lines = [
    '| case | median s | MB/s | median / reference median | median / ssh-cat median | peak memory MiB (RSS + shm, median) | min–max s | CPU s: client / other |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const tiny = caseNamed(r.case).kind === 'tiny';
    const d = tiny ? 3 : 2; // a tiny run is ~0.1-0.3 s
    const ref = r.vsReference === undefined ? '–' : r.reference === r.case ? '1.00 (reference)' : `${f(r.vsReference, 2)} × ${r.reference}`;
    const name = r.failed === undefined ? r.case : `${r.case} (FAILED ${r.failed.split(':')[0]}; ${r.seconds.length} ${r.seconds.length === 1 ? 'run' : 'runs'} finished)`;
    lines.push(`| ${name} | ${f(r.medianSeconds, d)} | ${tiny ? '–' : f(r.mbPerSecond, 0)} | ${ref} | ${f(r.vsSshCat, 2)} | ${f(r.medianPeakMiB, 0)} | ${f(r.minSeconds, d)}–${f(r.maxSeconds, d)} | ${f(r.medianClientCpuSeconds, 2)} / ${f(r.medianOtherCpuSeconds, 2)} |`);
  }
  for (const r of rows) if (r.failed !== undefined) lines.push('', `${r.case} FAILED ${r.failed}`);
  return lines.join('\n');
}
