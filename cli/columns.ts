// Terminal columns of a line, not UTF-16 units: a CJK or emoji name takes
// two columns a character, and a line wider than the terminal wraps, so "\r"
// redraws only its last row and every update scrolls a row up.
import stringWidth from 'string-width';

/** Columns `text` takes on a terminal. */
export function columns(text: string): number {
  return stringWidth(text);
}

/** The longest start of `text` that fits in `room` columns (whole characters). */
export function headIn(text: string, room: number): string {
  if (stringWidth(text) <= room) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = stringWidth(ch);
    if (used + w > room) break;
    out += ch;
    used += w;
  }
  return out;
}

/** The longest end of `text` that fits in `room` columns (whole characters). */
export function tailIn(text: string, room: number): string {
  const chars = Array.from(text);
  let used = 0;
  let i = chars.length;
  while (i > 0 && used + stringWidth(chars[i - 1]!) <= room) used += stringWidth(chars[--i]!);
  return chars.slice(i).join('');
}
