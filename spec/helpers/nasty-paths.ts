// Remote paths that a careless quoting would break: shell metacharacters,
// quotes, `!` (csh history), a leading dash, whitespace, UTF-8.
export const NASTY_PATHS = [
  'plain.txt',
  'with space.bin',
  "it's.gpg",
  "''",
  'dollar $HOME and `id` and $(id)',
  'semi;colon|pipe&amp<lt>gt(paren){brace}',
  'bang!history',
  'back\\slash',
  'double"quote',
  '*.txt',
  '-leading-dash',
  'tab\there',
  'new\nline',
  'ü-utf8',
];
