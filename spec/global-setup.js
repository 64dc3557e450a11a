// One private HOME for every CLI run in the test suite (spec/helpers/cli.ts),
// so the developer's ~/.ssh never leaks into a test; removed by teardown.
// Its name carries jest's pid: the homes of runs killed before their
// teardown (a held sshd stopped with a signal) are removed by the next run.
const { mkdtempSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

module.exports = async () => {
  for (const name of readdirSync(tmpdir())) {
    const m = /^scpipe-test-home-(\d+)-/.exec(name);
    if (m && !alive(Number(m[1]))) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  process.env.SCPIPE_TEST_HOME = mkdtempSync(join(tmpdir(), `scpipe-test-home-${process.pid}-`));
};
