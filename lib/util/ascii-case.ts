// OpenSSH folds the case of host names and their patterns with tolower(3)
// byte by byte (misc.c lowercase()): A-Z only. Unicode's folding would make
// `KELVIN SIGN`.example `kelvin.example` and `BÜCHER` `bücher`, names ssh
// files and matches as others, in known_hosts (plain or hashed) and ssh_config.

/** `text` with A-Z lowered and every other character as it is. */
export function lowerAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}
