// Part of `npm run build`, after tsc: makes dist/scpipe.js, the CLI
// (dist/cli/run.js and all it imports) in one file, and dist/scpipe.js.cache,
// V8's code cache for it, which cli/launch.ts loads. The cache is saved by a
// child that runs `scpipe put --help` from the bundle: the functions start-up
// runs are then compiled, and in the cache.
//
// ssh2 stays out of the bundle and is loaded from node_modules, as the
// library loads it: an update of ssh2 (a security fix) then applies to the
// CLI at once, with no rebuild of scpipe. It costs a few milliseconds of
// start-up, mostly hidden behind the TCP connect (docs/performance.md §6).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const DIST = path.resolve(__dirname, '../dist');

if (process.argv[2] === '--save-code-cache') {
  const { compileBundle, runBundle, CODE_CACHE } = require(path.join(DIST, 'cli/launch.js'));
  const script = compileBundle();
  const exit = process.exit;
  let exiting = false;
  process.exit = (code) => {
    if (exiting) return;
    exiting = true;
    fs.writeFileSync(CODE_CACHE, script.createCachedData());
    exit(code);
  };
  process.argv = [process.argv[0], path.join(DIST, 'scpipe.js'), 'put', '--help'];
  runBundle(script);
} else {
  bundle().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

async function bundle() {
  const result = await require('esbuild').build({
    entryPoints: [path.join(DIST, 'cli/run.js')],
    outfile: path.join(DIST, 'scpipe.js'),
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    external: ['ssh2'],
    logLevel: 'warning',
  });
  if (result.errors.length > 0) process.exit(1);
  fs.rmSync(path.join(DIST, 'scpipe.js.cache'), { force: true });
  const child = spawnSync(process.execPath, [__filename, '--save-code-cache'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (child.status !== 0 || !fs.existsSync(path.join(DIST, 'scpipe.js.cache'))) {
    console.error(`scripts/bundle.js: making the code cache failed (status ${child.status})`);
    process.exit(1);
  }
}
