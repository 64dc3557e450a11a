// The machine the benchmark ran on, for its header and results.json.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Whether this is a VM whose virtio balloon has free page reporting on
 * (feature bit 5, VIRTIO_BALLOON_F_REPORTING): the guest hands memory it
 * has freed back to the host within seconds, and the next page that lands
 * there faults on the host too. Writing a file into the page cache then
 * costs several times the CPU time it costs on warm memory, in whichever
 * process writes it; the "other" CPU column shows it (docs/performance.md §1).
 */
function freePageReporting(): string {
  const dir = '/sys/bus/virtio/drivers/virtio_balloon';
  let devices: string[];
  try {
    devices = fs.readdirSync(dir).filter((d) => d.startsWith('virtio'));
  } catch {
    return 'no virtio balloon';
  }
  const on = devices.some((d) => {
    try { return fs.readFileSync(path.join(dir, d, 'features'), 'utf8')[5] === '1'; } catch { return false; }
  });
  return `virtio balloon, free page reporting ${on ? 'on' : 'off'}`;
}

/**
 * Whether DAMON runs a pageout scheme: it drops memory it has seen unused for a
 * while, page cache included, so a file the bench has not read for some
 * seconds may come from disk again. One more source of noise between runs.
 */
function damonPageout(): string {
  const dir = '/sys/kernel/mm/damon/admin/kdamonds';
  const read = (p: string): string => { try { return fs.readFileSync(p, 'utf8').trim(); } catch { return ''; } };
  const n = Number(read(path.join(dir, 'nr_kdamonds'))) || 0;
  for (let k = 0; k < n; k++) {
    if (read(path.join(dir, String(k), 'state')) !== 'on') continue;
    const contexts = Number(read(path.join(dir, String(k), 'contexts/nr_contexts'))) || 0;
    for (let c = 0; c < contexts; c++) {
      const schemes = path.join(dir, String(k), 'contexts', String(c), 'schemes');
      const m = Number(read(path.join(schemes, 'nr_schemes'))) || 0;
      for (let i = 0; i < m; i++) if (read(path.join(schemes, String(i), 'action')) === 'pageout') return 'DAMON pageout on';
    }
  }
  return 'no DAMON pageout';
}

/**
 * Where the bench's temporary files go (the input, the spools, sshd's
 * directory with the remote files), and whether that is a tmpfs: then the
 * "disk" spool and the remote file are in RAM, and the disk cases measure none.
 */
export function tmpdirKind(dir: string): string {
  try {
    return `${dir} (${fs.statfsSync(dir).type === 0x01021994 ? 'tmpfs: spools and remote files in RAM' : 'not a tmpfs'})`;
  } catch {
    return dir;
  }
}

export function machine(): Record<string, string> {
  const cpu = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const sshV = spawnSync('ssh', ['-V'], { encoding: 'utf8' });
  return {
    nproc: spawnSync('nproc', { encoding: 'utf8' }).stdout.trim(),
    cpu,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    ssh: (sshV.stderr || sshV.stdout).trim(),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    tmpdir: tmpdirKind(os.tmpdir()),
    memoryBalloon: freePageReporting(),
    damon: damonPageout(),
  };
}
