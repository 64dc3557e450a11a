// The package's .d.ts as a TypeScript program that depends on scpipe meets
// them: emitted from lib/index.ts as `npm run build` does (once, for every
// test here), then compiled with the strictest options and skipLibCheck
// off, walked for types a public signature names that the package does not
// export, and compiled against by a program written for an earlier scpipe.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../../..');
let out: string;
let index: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'scpipe-dts-'));
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const program = ts.createProgram([join(ROOT, 'lib/index.ts')], { ...config.options, outDir: out, emitDeclarationOnly: true, declaration: true, sourceMap: false, declarationMap: false });
  const emitted = program.emit();
  expect(emitted.diagnostics).toEqual([]);
  index = join(out, 'lib/index.d.ts');
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

  it('name in public signatures only types the package exports', () => {
    const program = ts.createProgram([index], { types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] });
    const checker = program.getTypeChecker();
    const resolveAlias = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
    const exported = new Set(checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(index)!)!).map(resolveAlias));
    const unnamed = new Set<string>();
    const seen = new Set<ts.Node>();
    const visit = (node: ts.Node): void => {
      // Private members are not the API (and their types are elided anyway).
      if (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) return;
      if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node) || ts.isTypeQueryNode(node)) {
        const name = ts.isTypeReferenceNode(node) ? node.typeName : ts.isTypeQueryNode(node) ? node.exprName : node.expression;
        const symbol = checker.getSymbolAtLocation(name);
        for (const decl of (symbol && resolveAlias(symbol).declarations) ?? []) {
          if (!decl.getSourceFile().fileName.startsWith(out) || ts.isTypeParameterDeclaration(decl)) continue;
          if (!exported.has(resolveAlias(symbol!))) unnamed.add(`${resolveAlias(symbol!).name} (${relative(out, decl.getSourceFile().fileName)})`);
          if (!seen.has(decl)) {
            seen.add(decl);
            visit(decl);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    for (const symbol of exported) for (const decl of symbol.declarations ?? []) visit(decl);
    expect([...unnamed].sort()).toEqual([]);
  });
});

// A program written against an earlier scpipe's exports
// (spec/fixtures/compat/consumer-5e7921a.ts) compiles against today's
// declarations: a method or export it used that is gone is a break for
// every such user.
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
    paths: { scpipe: [index] },
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? relative(ROOT, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  expect(problems).toEqual([]);
});
