// Part of `npm run build`, after tsc: makes dist/scpipe.js, the CLI
// (dist/cli/run.js and all it imports, ssh2 included) in one file, and
// dist/scpipe.js.cache, V8's code cache for it, which cli/launch.ts loads.
// The cache is saved by a child that runs `scpipe put --help` from the
// bundle: the functions start-up runs are then compiled, and in the cache.
//
// ssh2 is in the bundle because loading it from node_modules (compiling some
// 40 files, most of them never run) took longer than sshd needs to send its
// banner, so most of the load was on the critical path of every transfer
// (docs/performance.md §6). Its compiled native parts (ssh2's crypto binding and
// cpu-features) cannot be bundled: they stay where npm built them, and the
// bundle requires them by package path (`ssh2/lib/protocol/crypto/...`),
// which Node resolves from dist/ the way it resolves `ssh2` itself. The build
// fails if one of them does not resolve from there, because ssh2 would then
// quietly fall back to its much slower pure-JavaScript ciphers.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const DIST = path.resolve(__dirname, '../dist');

if (process.argv[2] === '--save-code-cache') {
  const { compileBundle, runBundle, CODE_CACHE } = require(path.join(DIST, 'cli/launch.js'));
  const script = compileBundle();
  let ssh2Loaded;
  const warmUp = (loadSsh2) => {
    ssh2Loaded = loadSsh2().then((ssh2) => new ssh2.Client());
  };
  const exit = process.exit;
  let exiting = false;
  process.exit = (code) => {
    if (exiting) return;
    exiting = true;
    Promise.resolve(ssh2Loaded).then(() => {
      fs.writeFileSync(CODE_CACHE, script.createCachedData());
      exit(code);
    }, (err) => {
      console.error(err);
      exit(1);
    });
  };
  process.argv = [process.argv[0], path.join(DIST, 'scpipe.js'), 'put', '--help'];
  runBundle(script, { warmUp }); // run.ts's CodeCacheRun
} else {
  bundle().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

async function bundle() {
  const natives = new Set();
  const result = await require('esbuild').build({
    entryPoints: [path.join(DIST, 'cli/run.js')],
    outfile: path.join(DIST, 'scpipe.js'),
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    plugins: [nativeAddonsByPackagePath(natives), withoutSsh2HttpAgents()],
    logLevel: 'warning',
  });
  if (result.errors.length > 0) process.exit(1);
  for (const specifier of natives) {
    try {
      require.resolve(specifier, { paths: [DIST] });
    } catch {
      console.error(`scripts/bundle.js: the bundle needs ${specifier}, which does not resolve from dist/`);
      process.exit(1);
    }
  }
  fs.rmSync(path.join(DIST, 'scpipe.js.cache'), { force: true });
  const child = spawnSync(process.execPath, [__filename, '--save-code-cache'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (child.status !== 0 || !fs.existsSync(path.join(DIST, 'scpipe.js.cache'))) {
    console.error(`scripts/bundle.js: making the code cache failed (status ${child.status})`);
    process.exit(1);
  }
}

/**
 * An esbuild plugin: each `require('./x.node')` of a dependency becomes an
 * external require of that file's path inside node_modules (e.g.
 * `ssh2/lib/protocol/crypto/build/Release/sshcrypto.node`), collected in
 * `natives`.
 */
function nativeAddonsByPackagePath(natives) {
  return {
    name: 'native-addons-by-package-path',
    setup(build) {
      build.onResolve({ filter: /\.node$/ }, (args) => {
        const file = path.resolve(args.resolveDir, args.path);
        const parts = file.split(path.sep);
        const at = parts.lastIndexOf('node_modules');
        if (at < 0) return { errors: [{ text: `native addon outside node_modules: ${file}` }] };
        const specifier = parts.slice(at + 1).join('/');
        natives.add(specifier);
        return { path: specifier, external: true };
      });
    },
  };
}

/**
 * An esbuild plugin: ssh2's HTTP(S) agents (ssh2/lib/http-agents.js, tunnels
 * for Node's http module) become an empty module. scpipe does not use them,
 * and loading them loads node:http, node:https and node:tls: 4-5 ms of every
 * start-up. ssh2's index then exports HTTPAgent and HTTPSAgent as undefined.
 */
function withoutSsh2HttpAgents() {
  return {
    name: 'without-ssh2-http-agents',
    setup(build) {
      build.onResolve({ filter: /^\.\/http-agents\.js$/ }, (args) =>
        args.importer.endsWith(path.join('ssh2', 'lib', 'index.js')) ? { path: 'ssh2-http-agents', namespace: 'stub' } : undefined);
      build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    },
  };
}
