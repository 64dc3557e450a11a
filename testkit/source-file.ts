// testkit's C sources, found from the compiled code too: beside it when run
// from source (jest), or in testkit/ of the project above it when the bench
// runs its build under .bench/.
import { existsSync } from 'fs';
import * as path from 'path';

/** The path of testkit/`name`, looked for from `from` upwards (a path that does not exist when none is found, reported later). */
export function testkitSource(name: string, from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    for (const candidate of [path.join(dir, name), path.join(dir, 'testkit', name)]) {
      if (existsSync(candidate)) return candidate;
    }
    if (path.dirname(dir) === dir) return path.join(from, name);
  }
}
