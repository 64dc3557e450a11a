const { rmSync } = require('node:fs');

module.exports = async () => {
  if (process.env.SCPIPE_TEST_HOME) rmSync(process.env.SCPIPE_TEST_HOME, { recursive: true, force: true });
};
