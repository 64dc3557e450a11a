// The library's entry points over SSH: they take an ssh2 Client or connection
// options, run the SCP role, and close what they opened. Each lives beside its
// role (put.ts, get.ts), so that `scpipe put` does not load the download code.
export { put } from './put';
export { get } from './get';
