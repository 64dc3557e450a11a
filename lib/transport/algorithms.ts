// Ciphers, MACs, KexAlgorithms and HostKeyAlgorithms, as ssh_config(5)
// writes them, turned into ssh2's `algorithms` option.
//
// OpenSSH's forms: "a,b" is the whole list in order of preference; "+a,b"
// appends to the default list, "-a,b" removes from it, "^a,b" puts first.
// Names may be patterns with * and ?. ssh2 takes a list, or an object of
// append/prepend/remove whose entries are names or RegExps matched against
// what it supports; it throws "Unsupported algorithm: X" for a name it lacks.
import type { ConnectConfig } from 'ssh2';
import { ScpipeError } from '../errors';
import { hasWildcard, wildcardRegExp } from './wildcard';

type Category = keyof NonNullable<ConnectConfig['algorithms']>;
type Entry = string | RegExp;
/** One category of ssh2's `algorithms` (ssh2 takes RegExps too; @types/ssh2 does not say so). */
export type AlgorithmList = Entry[] | Partial<Record<'append' | 'prepend' | 'remove', Entry[]>>;
export type Ssh2Algorithms = Partial<Record<Category, AlgorithmList>>;

/** The ssh_config keys, and ssh2's name for each. */
export const ALGORITHM_KEYS = {
  Ciphers: 'cipher',
  MACs: 'hmac',
  KexAlgorithms: 'kex',
  HostKeyAlgorithms: 'serverHostKey',
} as const satisfies Record<string, Category>;

export type AlgorithmKey = keyof typeof ALGORITHM_KEYS;
/** The values given, as written (e.g. { Ciphers: '^aes128-gcm@openssh.com' }). */
export type AlgorithmSpecs = Partial<Record<AlgorithmKey, string>>;

/** ssh2's `algorithms` for `specs`. Throws ERR_CONFIG on an empty list. */
export function ssh2Algorithms(specs: AlgorithmSpecs): Ssh2Algorithms {
  const result: Ssh2Algorithms = {};
  for (const [key, category] of Object.entries(ALGORITHM_KEYS) as [AlgorithmKey, Category][]) {
    const spec = specs[key];
    if (spec === undefined) continue;
    result[category] = convert(key, spec);
  }
  const hostKeys = withoutSha1HostKeys(result.serverHostKey, specs.HostKeyAlgorithms);
  if (hostKeys) result.serverHostKey = hostKeys;
  return result;
}

// ssh stopped offering ssh-rsa (RSA with SHA-1 signatures) as a host key
// algorithm in OpenSSH 8.8; ssh2 still does. Left out unless HostKeyAlgorithms
// names it (`+ssh-rsa`, `^ssh-rsa`, or an exact list), as in ssh.
function withoutSha1HostKeys(given: AlgorithmList | undefined, spec: string | undefined): AlgorithmList | undefined {
  if (Array.isArray(given)) return given;
  const names = (list: Entry[] | undefined): boolean => (list ?? []).some((e) => (typeof e === 'string' ? e === 'ssh-rsa' : e.test('ssh-rsa')));
  if (spec?.startsWith('+') && names(given?.append)) return given;
  if (spec?.startsWith('^') && names(given?.prepend)) return given;
  return { ...given, remove: [...(given?.remove ?? []), 'ssh-rsa'] };
}

function convert(key: AlgorithmKey, spec: string): AlgorithmList {
  const op = /^[+\-^]/.test(spec) ? spec[0] : '';
  const entries = spec
    .slice(op.length)
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .map(toEntry);
  if (entries.length === 0) throw new ScpipeError('ERR_CONFIG', `${key}: empty list ${JSON.stringify(spec)}`);
  switch (op) {
    case '+':
      return { append: entries };
    case '-':
      return { remove: entries };
    case '^':
      // ssh2's prepend skips names already in the list; OpenSSH's ^ moves them to the front.
      return { remove: entries, prepend: entries };
    default:
      // The exact list: a plain array when it has no patterns, so ssh2 keeps our order.
      return entries.every((e) => typeof e === 'string') ? entries : { remove: [/.*/], append: entries };
  }
}

// A name stays a name (ssh2 refuses the ones it lacks); a pattern becomes a
// RegExp that ssh2 tests each supported name with. Case counts, as in OpenSSH.
function toEntry(name: string): Entry {
  return hasWildcard(name) ? wildcardRegExp(name, { ignoreCase: false }) : name;
}

// The host key algorithms ssh2 offers for a key type found in known_hosts
// (an RSA key signs with SHA-2 as well).
const FOR_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

// ssh2's serverHostKey list with the algorithms of `knownTypes` first, as ssh
// orders them when HostKeyAlgorithms is unset or only adds (+) or removes (-):
// `given` is that list as convert() made it. Names the user removed stay out.
export function preferKnownHostKeys(given: AlgorithmList | undefined, knownTypes: string[]): AlgorithmList | undefined {
  if (Array.isArray(given)) return given; // an exact list: the user's order
  const removed = given?.remove ?? [];
  const isRemoved = (n: string): boolean => removed.some((e) => (typeof e === 'string' ? e === n : e.test(n)));
  const first = [...new Set(knownTypes.flatMap((t) => FOR_KEY_TYPE[t] ?? []))].filter((n) => !isRemoved(n));
  if (first.length === 0) return given;
  // ssh2 applies the operations in key order, and its prepend skips a name already listed.
  return { ...(given?.append ? { append: given.append } : {}), remove: [...removed, ...first], prepend: first };
}
