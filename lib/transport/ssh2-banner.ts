// The server's login banner (sshd's `Banner`), shown a line at a time as ssh shows it.
import type { Client } from 'ssh2';
import { peerText } from '../util/escape';

/** Most banner lines shown from one server: a hostile one could send banners until the login times out. */
const MAX_BANNER_LINES = 1_000;

/** Says each line of the banners `client` receives, escaped, up to MAX_BANNER_LINES. */
export function showBanners(client: Client, say: (line: string) => void): void {
  let shown = 0;
  client.on('banner', (text: string) => {
    for (const line of text.replace(/\r?\n$/, '').split(/\r?\n/)) {
      if (shown++ === MAX_BANNER_LINES) say(`(more banner lines from the server not shown)`);
      if (shown > MAX_BANNER_LINES) return;
      say(peerText(line, 1_000));
    }
  });
}
