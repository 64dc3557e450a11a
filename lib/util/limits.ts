// What to tell a user whom a resource limit stopped, in one place: the
// messages name the limit and how far to raise it.

/** Said after "Too many open files" (EMFILE) wherever a descriptor was refused. */
export const OPEN_FILE_LIMIT_HINT = 'the open-file limit, `ulimit -n`, is too low: 64 is enough';
