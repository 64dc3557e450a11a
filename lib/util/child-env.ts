// The environment every child scpipe starts gets (the producer of
// `put -- COMMAND`, the openssh transport's `ssh`): scpipe's own, without the
// secrets scpipe reads, so that a password given to scpipe reaches no other program.

/** The variables holding secrets meant for scpipe alone. */
export const SECRET_ENV_VARS: readonly string[] = ['SCPIPE_PASSWORD', 'SCPIPE_SERVE_PASSWORD'];

/** A copy of `env` (default process.env) without SECRET_ENV_VARS. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of SECRET_ENV_VARS) delete copy[name];
  return copy;
}
