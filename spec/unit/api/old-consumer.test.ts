// A program written against an earlier scpipe's exports
// (spec/fixtures/compat/consumer-5e7921a.ts) compiles against today's
// declarations, emitted from lib/index.ts as `npm run build` does: a
// method or export it used that is gone is a break for every such user.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../../..');
let out: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'scpipe-dts-'));
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const program = ts.createProgram([join(ROOT, 'lib/index.ts')], { ...config.options, outDir: out, emitDeclarationOnly: true, declaration: true, sourceMap: false, declarationMap: false });
  expect(program.emit().diagnostics).toEqual([]);
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

it.each(['consumer-5e7921a.ts'])('%s, written for an earlier scpipe, compiles against today\'s declarations', (file) => {
  const program = ts.createProgram([join(ROOT, 'spec/fixtures/compat', file)], {
    noEmit: true,
    strict: true,
    skipLibCheck: false,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
    baseUrl: out,
    paths: { scpipe: [join(out, 'lib/index.d.ts')] },
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? relative(ROOT, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  expect(problems).toEqual([]);
});
