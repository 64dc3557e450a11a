// The bench's header says where its temporary files went, and when that is a
// tmpfs: the "disk" spool and the remote files are then in RAM.
import { tmpdirKind } from '../../../scripts/bench/machine';
import { withTmpfs } from '../../helpers/tmpfs';

test('a temporary directory on a tmpfs is named as such', async () => {
  await withTmpfs('8m', async (dir) => {
    expect(tmpdirKind(dir)).toBe(`${dir} (tmpfs: spools and remote files in RAM)`);
  });
});

test('one on a disk is not', () => {
  expect(tmpdirKind(__dirname)).toBe(`${__dirname} (not a tmpfs)`);
});
