// The fs layer (DESIGN.md "Layers"): walk local trees into a source role,
// and store what a sink role receives under a target, safely.
export { createLocalSink } from './local-sink';
export type { LocalSinkHandler, LocalSinkOptions } from './local-sink-types';
export { sendLocalPaths } from './local-source';
export type { SendLocalOptions, SourceSession } from './local-source-types';
export type { TimeRange } from './sent-times';
