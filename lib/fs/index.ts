// The fs layer (DESIGN.md "Layers"): walk local trees into a source role,
// and store what a sink role receives under a target, safely.
export { createLocalSink, type LocalSinkHandler, type LocalSinkOptions } from './local-sink';
export { sendLocalPaths, type SendLocalOptions, type SourceSession } from './local-source';
export type { TimeRange } from './sent-times';
