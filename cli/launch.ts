#!/usr/bin/env node
// The scpipe executable. It runs the CLI from dist/scpipe.js, the single file
// scripts/bundle.js makes of it, with the V8 code cache made for that file at
// build time (dist/scpipe.js.cache). Finding, reading and compiling some 70
// modules one by one was a large part of a small transfer's start-up
// (docs/performance.md §6). ssh2 is not in the bundle: it loads from
// node_modules, so an update of it applies without a rebuild of scpipe.
// V8 ignores a cache made by another Node version and compiles as usual; a
// build without the bundle (tsc alone) loads the modules as usual, and so
// does a build where tsc ran after the bundle was made (`tsc` alone after
// an `npm run build`), which would otherwise run yesterday's code.
import { existsSync, readFileSync, statSync } from 'node:fs';
import Module = require('node:module');
import * as path from 'node:path';
import { Script } from 'node:vm';

export const BUNDLE = path.join(__dirname, '..', 'scpipe.js');
export const CODE_CACHE = `${BUNDLE}.cache`;

type CommonJsWrapper = (exports: object, require: NodeRequire, module: object, filename: string, dirname: string) => void;

/**
 * The bundle compiled, with its code cache when V8 accepts it; undefined when
 * there is no bundle, or tsc has emitted the modules since it was made.
 */
export function compileBundle(): Script | undefined {
  let source: string;
  try {
    if (isStale(__dirname)) return undefined;
    source = readFileSync(BUNDLE, 'utf8');
  } catch {
    return undefined;
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(CODE_CACHE);
  } catch {
    // no cache: compile from the source
  }
  return new Script(Module.wrap(source.replace(/^#!.*/, '')), { filename: BUNDLE, cachedData });
}

/**
 * True when tsc emitted the entry point (cli/run.js, what scripts/bundle.js
 * bundles) of the build whose cli/ is `cliDir` after its bundle was made, in
 * a source tree (tsconfig.json beside dist/), the only place tsc runs. Elsewhere the times say nothing: an install from a
 * tarball gives every file the same time, and a `cp -r` of dist/ new ones in
 * any order, which would run the slower modules for ever. A missing entry
 * point (the bundle only) is not staleness; a missing bundle throws.
 */
export function isStale(cliDir: string): boolean {
  if (!existsSync(path.join(cliDir, '..', '..', 'tsconfig.json'))) return false;
  const entry = statSync(path.join(cliDir, 'run.js'), { throwIfNoEntry: false });
  return entry !== undefined && entry.mtimeMs > statSync(path.join(cliDir, '..', 'scpipe.js')).mtimeMs;
}

/** Runs the compiled bundle as the CommonJS module BUNDLE. */
export function runBundle(script: Script): void {
  const module = { exports: {} };
  const wrapper = script.runInThisContext() as CommonJsWrapper;
  wrapper.call(module.exports, module.exports, Module.createRequire(BUNDLE), module, BUNDLE, path.dirname(BUNDLE));
}

if (require.main === module) {
  const script = compileBundle();
  if (script) runBundle(script);
  else require('./run');
}
