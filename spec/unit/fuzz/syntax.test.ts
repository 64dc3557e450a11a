// Seeded fuzzing of the syntax scpipe reads from a command line or from a
// client: remote operands (`user@host:path`, `[v6]:path`, scp:// URIs), the
// exec command a client sends serve, authorized_keys options and the brace
// and glob patterns of a remote name. Each gives a result or an ScpipeError
// (a refusal for serve's command), never another exception.
import { braceExpand, fnmatch } from '../../../lib/protocol/glob';
import { parseScpCommand } from '../../../lib/server/command-line';
import { parseKeyOptions } from '../../../lib/server/key-options';
import { formatRemoteSpec, parseRemoteSpec } from '../../../lib/transport/target';
import { fuzz } from '../../helpers/fuzz';

const SEEDS = [1, 2, 3, 5, 8, 13, 21, 34];

it('parses a remote operand, and what it formats back, to the same thing', () => {
  fuzz(SEEDS, 500, (rng) => {
    const arg = (rng.chance(0.2) ? 'scp://' : '') + rng.text(rng.int(24), 'ab@:[]/%;09:/\0 é');
    const spec = parseRemoteSpec(arg);
    // A user or host holding `:`, `@` or brackets has no `user@host:path` spelling (nor has it for scp).
    if (spec === null || spec.port !== undefined || /[:@[\]]/.test(`${spec.user ?? ''}${spec.host.includes(':') ? '' : spec.host}`)) return;
    expect(parseRemoteSpec(formatRemoteSpec(spec, spec.path))).toEqual(spec);
  });
});

it('refuses or takes any exec command and any authorized_keys options, without throwing', () => {
  fuzz(SEEDS, 500, (rng) => {
    const command = rng.text(rng.int(40), 'scp -ftrpdv- \'"\\$`~*?[]{}#\n\t ab/é');
    const parsed = parseScpCommand(rng.chance(0.5) ? command : `scp ${command}`);
    expect(typeof parsed).toBe('object');
    const options = parseKeyOptions(rng.text(rng.int(60), 'command="from=,no-pty \\"\'*?!1.2/permitopen:'));
    expect(typeof options).toBe('object');
  });
});

it('expands any brace pattern to a bounded list, or refuses it', () => {
  fuzz(SEEDS, 500, (rng) => {
    const names = braceExpand(rng.text(rng.int(30), '{},\\[]!^-*?a:.'));
    expect(names.length).toBeLessThanOrEqual(10_000);
    for (const n of names.slice(0, 5)) fnmatch(n, rng.text(rng.int(20), 'a*?[].-'));
  });
});
