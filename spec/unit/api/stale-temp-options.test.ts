// The stale-temporary-file options were declared twice, in PutOptions and
// PartsOptions, and their comments had drifted apart: both now take the one
// declaration (StaleTempOptions), which the package exports.
import { join, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../../..');
const NAMES = ['removeStale', 'onStaleRemoved', 'onStaleKept', 'onStaleRefused', 'onStaleFound', 'onTempKept'];

it('PutOptions and PartsOptions take each stale-temporary-file option from StaleTempOptions, exported', () => {
  const index = join(ROOT, 'lib/index.ts');
  const program = ts.createProgram([index], { strict: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] });
  const checker = program.getTypeChecker();
  const exports = new Map(checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(index)!)!).map((s) => [s.name, s]));
  const declaredIn = (type: string, name: string): string | undefined => {
    const symbol = checker.getAliasedSymbol(exports.get(type)!);
    const member = checker.getDeclaredTypeOfSymbol(symbol).getProperty(name);
    const decl = member?.declarations?.[0];
    return decl && `${(decl.parent as ts.InterfaceDeclaration).name.text} ${decl.getSourceFile().fileName.slice(ROOT.length + 1)}`;
  };
  expect(exports.has('StaleTempOptions')).toBe(true);
  for (const name of NAMES) {
    expect([name, declaredIn('PutOptions', name), declaredIn('PartsOptions', name)]).toEqual([name, 'StaleTempOptions lib/client/stale-temp-options.ts', 'StaleTempOptions lib/client/stale-temp-options.ts']);
  }
});
