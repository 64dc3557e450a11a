// One private HOME for every CLI run in the test suite (spec/helpers/cli.ts),
// so the developer's ~/.ssh never leaks into a test; removed by teardown.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async () => {
  process.env.SCPIPE_TEST_HOME = mkdtempSync(join(tmpdir(), 'scpipe-test-home-'));
};
