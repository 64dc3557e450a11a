// testkit's C programs (the rssh-like wrapper, the latency relay), built with
// the compiler the test sshd needs anyway into the project's
// node_modules/.cache (not /tmp, where another user could plant one), named
// by the source's hash: built once, reused by every test file, worker and run.
import { execFile } from 'child_process';
import * as fs from 'fs';
import { createHash } from 'crypto';
import * as path from 'path';

const built = new Map<string, Promise<string>>();

/** The path of `source` compiled (cc -O2 -Wall), building it if no run has yet. */
export function cBinary(source: string): Promise<string> {
  let binary = built.get(source);
  if (binary) return binary;
  binary = new Promise<string>((resolve, reject) => {
    const hash = createHash('sha256').update(fs.readFileSync(source)).digest('hex').slice(0, 16);
    const dir = path.join(path.dirname(path.dirname(source)), 'node_modules', '.cache', 'scpipe');
    const out = path.join(dir, `${path.basename(source, '.c')}-${hash}`);
    if (fs.existsSync(out)) return resolve(out);
    fs.mkdirSync(dir, { recursive: true });
    const building = `${out}.${process.pid}`; // renamed when whole: workers building at once never run half a file
    execFile('cc', ['-O2', '-Wall', '-o', building, source], (err, _stdout, stderr) => {
      if (err) return reject(new Error(`building ${source} failed (needs a C compiler \`cc\`: packages gcc, libc6-dev): ${err.message}\n${stderr}`));
      fs.renameSync(building, out);
      resolve(out);
    });
  });
  built.set(source, binary);
  binary.catch(() => built.delete(source));
  return binary;
}
