// Erasing stderr's line on a terminal: "\r" then ESC[K, which every terminal
// emulator knows; a dumb terminal (TERM=dumb: Emacs shell-mode) prints it as
// "^[[K", so there the line is blanked with spaces, as scp's progress meter does.

import { columns } from './columns';

/** True when TERM says the terminal knows no escape sequences. */
function dumb(term = process.env.TERM): boolean {
  return term === 'dumb';
}

/** What follows `text`, just written after "\r", to clear the rest of a line `width` wide. */
export function endOfLine(text: string, width: number, term?: string): string {
  return dumb(term) ? ' '.repeat(Math.max(0, width - 1 - columns(text))) : '\x1b[K';
}

/** Goes back to the start of the line and erases it. */
export function eraseLine(width: number, term?: string): string {
  return dumb(term) ? `\r${' '.repeat(width - 1)}\r` : '\r\x1b[K';
}
