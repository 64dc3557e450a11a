import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { feedLine, inTerminalBackground, type LineState } from '../../../lib/transport/tty-prompt';

const fresh = (): LineState => ({ value: '', inEscape: false });

describe('feedLine', () => {
  it('collects a line until Enter, without echo', () => {
    const s = fresh();
    expect(feedLine(s, 'abc', false)).toEqual({ output: '' });
    expect(feedLine(s, 'd\rignored', false)).toEqual({ output: '', done: 'enter' });
    expect(s.value).toBe('abcd');
  });

  it('echoes when asked and handles backspace, DEL and Ctrl-U', () => {
    const s = fresh();
    expect(feedLine(s, 'ab\x7fc\bd', true).output).toBe('ab\b \bc\b \bd');
    expect(s.value).toBe('ad');
    feedLine(s, '\x15', true);
    expect(s.value).toBe('');
    expect(feedLine(s, '\x7f', true).output).toBe(''); // nothing to erase
    feedLine(s, 'é€😀\x7f', false);
    expect(s.value).toBe('é€');
  });

  it('reports Ctrl-C, and Ctrl-D only on an empty line', () => {
    expect(feedLine(fresh(), 'ab\x03', false).done).toBe('interrupt');
    expect(feedLine(fresh(), '\x04', false).done).toBe('eof');
    const s = fresh();
    expect(feedLine(s, 'a\x04b\n', false).done).toBe('enter');
    expect(s.value).toBe('ab');
  });

  it('drops escape sequences and other control characters', () => {
    const s = fresh();
    feedLine(s, 'a\x1b[A\x1b[3~b\x1bOPc\x01\td', false);
    expect(s.value).toBe('abcd');
    // a sequence split across chunks
    const t = fresh();
    feedLine(t, 'x\x1b[', false);
    feedLine(t, '1;5Cy', false);
    expect(t.value).toBe('xy');
  });
});

describe('promptOnTty', () => {
  let dir: string;
  let runner: string;
  let resultFile: string;

  beforeAll(() => {
    // Compile the module and its imports into a runnable CommonJS tree.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-test-'));
    const root = path.resolve(__dirname, '../../..');
    for (const rel of ['lib/errors.ts', 'lib/util/proc-stat.ts', 'lib/util/child-env.ts', 'lib/util/escape.ts', 'lib/transport/askpass.ts', 'lib/transport/tty-prompt.ts']) {
      const src = fs.readFileSync(path.join(root, rel), 'utf8');
      const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
      const dest = path.join(dir, rel.replace(/\.ts$/, '.js'));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, out.outputText);
    }
    resultFile = path.join(dir, 'result.json');
    runner = path.join(dir, 'runner.js');
    fs.writeFileSync(
      runner,
      `const { promptOnTty } = require('./lib/transport/tty-prompt.js');
       const fs = require('fs');
       promptOnTty(process.argv[2], process.argv[3] === 'echo').then(
         (v) => fs.writeFileSync(${JSON.stringify(resultFile)}, JSON.stringify({ value: v })),
         (e) => fs.writeFileSync(${JSON.stringify(resultFile)}, JSON.stringify({ code: e.code })),
       );`,
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => fs.rmSync(resultFile, { force: true }));
  const result = () => JSON.parse(fs.readFileSync(resultFile, 'utf8'));

  it('returns null without a controlling terminal', () => {
    const r = spawnSync('setsid', ['-w', process.execPath, runner, 'Q: '], { stdio: 'ignore', timeout: 20000 });
    expect(r.status).toBe(0);
    expect(result()).toEqual({ value: null });
  });

  /**
   * Runs the prompt on a fresh pty (util-linux script, which
   * scripts/install-test-deps.sh installs), typing `keys` once the question
   * shows: the prompt puts the terminal in raw mode before it writes it.
   */
  async function onPty(question: string, mode: string, keys: string): Promise<string> {
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(runner)} ${JSON.stringify(question)} ${mode}`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let screen = '';
    let typed = false;
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString('utf8');
      if (!typed && screen.includes(question)) {
        typed = true;
        child.stdin.write(keys);
      }
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { child.kill(); reject(new Error(`timeout; screen: ${JSON.stringify(screen)}`)); }, 20000);
      child.on('exit', () => { clearTimeout(timer); resolve(); });
    });
    return screen;
  }

  it('reads a hidden answer from the terminal, with backspace', async () => {
    const screen = await onPty('Passphrase: ', 'noecho', 'sekx\x7fret\r');
    expect(result()).toEqual({ value: 'sekret' });
    expect(screen).toContain('Passphrase: ');
    expect(screen).not.toContain('sek');
  });

  it('echoes when asked', async () => {
    const screen = await onPty('Name? ', 'echo', 'bob\r');
    expect(result()).toEqual({ value: 'bob' });
    expect(screen).toContain('Name? bob');
  });

  it('rejects with ERR_ABORTED on Ctrl-C', async () => {
    await onPty('Password: ', 'noecho', 'abc\x03');
    expect(result()).toEqual({ code: 'ERR_ABORTED' });
  });
});

describe('inTerminalBackground', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-stat-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const stat = (text: string): string => {
    const file = path.join(dir, `stat${n++}`);
    fs.writeFileSync(file, text);
    return file;
  };
  // Fields after "(comm) ": state ppid pgrp session tty_nr tpgid …
  it('is true when the terminal foreground is another process group, even with ") " in the command name', () => {
    expect(inTerminalBackground(stat('4242 (no) de (x) S 4200 4242 4100 34817 4100 4194304 0 0'))).toBe(true);
    expect(inTerminalBackground(stat('4242 (node) S 4200 4242 4100 34817 4242 4194304 0 0'))).toBe(false);
  });

  it('is false without a terminal (tpgid -1) or without /proc', () => {
    expect(inTerminalBackground(stat('4242 (node) S 1 4242 4242 0 -1 4194304 0 0'))).toBe(false);
    expect(inTerminalBackground('/nonexistent/stat')).toBe(false);
  });
});
