// The package's .d.ts as a TypeScript program that depends on scpipe meets
// them: emitted from lib/index.ts as `npm run build` does, then compiled
// with the strictest options and skipLibCheck off.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../../..');
let out: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'scpipe-dts-'));
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const program = ts.createProgram([join(ROOT, 'lib/index.ts')], { ...config.options, outDir: out, emitDeclarationOnly: true, declaration: true, sourceMap: false, declarationMap: false });
  const emitted = program.emit();
  expect(emitted.diagnostics).toEqual([]);
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

function compile(options: ts.CompilerOptions): string[] {
  const consumer = join(out, 'consumer.ts');
  writeFileSync(consumer, `import * as scpipe from './lib/index';\nexport const api = scpipe;\n`);
  const program = ts.createProgram([consumer], { noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], ...options });
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? relative(out, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('the published declarations', () => {
  it.each([
    ['node16', { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 }],
    ['bundler', { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }],
  ])('compile with every strict option and skipLibCheck off (%s)', (_name, resolution) => {
    expect(compile({ ...resolution, target: ts.ScriptTarget.ES2022, strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noImplicitOverride: true, noPropertyAccessFromIndexSignature: true })).toEqual([]);
  });
});
