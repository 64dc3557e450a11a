// The layering CONTRIBUTING.md promises, checked on the sources: the CLI is
// built on the library's entry points only (lib/index.ts, and the CLI's
// extras in lib/internal.ts), those entry points only re-export, and the
// library never ends the process (exit statuses are the CLI's: exit-status.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../../..');
const ENTRIES = ['lib/index.ts', 'lib/internal.ts'];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
}

// Every module a file names: import/export ... from, import x = require(), require(), import().
function specifiers(sf: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression)) {
      found.push(node.expression.text);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) found.push(arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

// A relative specifier as a path from the repository's root, with its .ts (or /index.ts).
function target(file: string, spec: string): string {
  const path = relative(ROOT, resolve(ROOT, dirname(file), spec));
  return ENTRIES.includes(`${path}.ts`) ? `${path}.ts` : path === 'lib' ? 'lib/index.ts' : `${path}.ts`;
}

describe('the layering of the sources', () => {
  it('cli/ reaches into the library only through lib/index.ts and lib/internal.ts', () => {
    const reaching = sources('cli').flatMap((file) =>
      specifiers(parse(file))
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => ({ file, spec, path: target(file, spec) }))
        .filter(({ path }) => path.startsWith('lib/') && !ENTRIES.includes(path))
        .map(({ file, spec }) => `${file}: ${spec}`),
    );
    expect(reaching).toEqual([]);
  });

  // The entry points, and every other index.ts (CONTRIBUTING.md: index.ts only re-exports).
  it.each([...new Set([...ENTRIES, ...sources('lib').filter((f) => f.endsWith('/index.ts'))])])('%s only re-exports', (file) => {
    const other = parse(file).statements
      .filter((s) => !(ts.isExportDeclaration(s) && s.moduleSpecifier !== undefined))
      .map((s) => s.getText().split('\n')[0]);
    expect(other).toEqual([]);
  });

  it('lib/ never exits the process or sets its exit status', () => {
    const exits = sources('lib').flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
        .filter(({ line }) => /\bprocess\s*\.\s*(exit\s*\(|exitCode\b)/.test(line))
        .map(({ at }) => at),
    );
    expect(exits).toEqual([]);
  });
});
