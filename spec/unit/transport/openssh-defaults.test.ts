// What the openssh transport adds to ssh's defaults is asked of `ssh -G`
// with the user's -F and -i: a config file named in Latin-1 must reach it
// as its bytes, or ssh fails, says nothing on stdout, and no keepalive is
// added to a run whose ssh then never finds a hung server gone.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sshDefaults } from '../../../lib/transport/openssh-defaults';
import { fromBytes, toBytes } from '../../../lib/util/byte-text';
import { tempDirPerTest } from '../../helpers/temp-dir';

const dir = tempDirPerTest('scpipe-ssh-defaults-');

it('reads a -F config file whose name is not UTF-8 from the file of those bytes', async () => {
  const configFile = join(dir(), fromBytes(Buffer.from('config\xe9', 'latin1')));
  writeFileSync(toBytes(configFile), 'ServerAliveInterval 5\nServerAliveCountMax 4\nConnectTimeout none\n');
  expect(await sshDefaults({ host: 'vault.example', configFile })).toEqual({ serverAliveInterval: undefined, connectTimeoutSet: false, aliveBoundS: 20, batchMode: false, multiplexed: false });
});

it('adds the keepalive where a config file whose name is not UTF-8 sets none', async () => {
  const configFile = join(dir(), fromBytes(Buffer.from('config\xe9', 'latin1')));
  writeFileSync(toBytes(configFile), 'Host *\n');
  expect(await sshDefaults({ host: 'vault.example', configFile })).toMatchObject({ serverAliveInterval: expect.any(Number), connectTimeoutSet: false });
});

// Where ssh cannot ask anyone, --stall-timeout watches its login too (ssh-processes.ts).
it('says BatchMode as ssh has it: from the config file, from -o, and scpipe\'s own', async () => {
  const configFile = join(dir(), 'config');
  writeFileSync(configFile, 'BatchMode yes\n');
  expect(await sshDefaults({ host: 'vault.example', configFile })).toMatchObject({ batchMode: true });
  writeFileSync(configFile, 'Host *\n');
  expect(await sshDefaults({ host: 'vault.example', configFile })).toMatchObject({ batchMode: false });
  expect(await sshDefaults({ host: 'vault.example', configFile, options: ['BatchMode=yes'] })).toMatchObject({ batchMode: true });
  expect(await sshDefaults({ host: 'vault.example', configFile, batchMode: true })).toMatchObject({ batchMode: true });
  // Another ssh program (-S) is not asked: its -o and scpipe's own only.
  expect(await sshDefaults({ host: 'vault.example', sshPath: '/bin/false', options: ['BatchMode yes'] })).toMatchObject({ batchMode: true });
  expect(await sshDefaults({ host: 'vault.example', sshPath: '/bin/false' })).toMatchObject({ batchMode: false });
});

// Under BatchMode (scpipe's own where no one can be asked, a cron job's) ssh
// makes ServerAliveInterval 300 s where none is set: a server whose login
// hung (PAM, LDAP) was waited for 15 minutes, or its LoginGraceTime, where
// the built-in transport gives up after 20 s. The keepalive is added as without it.
it('adds the keepalive under BatchMode, whose 300 s is ssh\'s default, not the user\'s', async () => {
  const configFile = join(dir(), 'config');
  writeFileSync(configFile, 'Host *\n');
  for (const opts of [{ batchMode: true }, { options: ['BatchMode=yes'] }]) {
    expect(await sshDefaults({ host: 'vault.example', configFile, ...opts })).toEqual({ serverAliveInterval: 15, connectTimeoutSet: false, aliveBoundS: 45, batchMode: true, multiplexed: false });
  }
  // A 300 the user set stays theirs: from -o, and from the config file.
  expect(await sshDefaults({ host: 'vault.example', configFile, batchMode: true, options: ['ServerAliveInterval=300'] })).toMatchObject({ serverAliveInterval: undefined, aliveBoundS: 900 });
  writeFileSync(configFile, 'ServerAliveInterval 300\n');
  expect(await sshDefaults({ host: 'vault.example', configFile, batchMode: true })).toMatchObject({ serverAliveInterval: undefined, aliveBoundS: 900 });
});

it('tells a ControlPath in effect (ssh may be a master\'s client), and none', async () => {
  expect((await sshDefaults({ host: 'vault.example', configFile: 'none', options: ['ControlPath=/run/cm-%C'] })).multiplexed).toBe(true);
  expect((await sshDefaults({ host: 'vault.example', configFile: 'none', options: ['ControlPath=none'] })).multiplexed).toBe(false);
  expect((await sshDefaults({ host: 'vault.example', configFile: 'none' })).multiplexed).toBe(false);
});
