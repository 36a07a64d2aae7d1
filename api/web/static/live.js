// Verdict live updates: the browser client of the API's WebSocket server (path /live, docs/api.md
// "Live updates"). Plain ES module, no build step:
//
//   import { connectLive } from '/static/live.js';
//   const live = connectLive();
//   const stop = live.subscribe('market:12', (data, frame) => render(data));   // snapshot, then updates
//   live.subscribe('me', (data) => …, (code) => show(code));                   // errors by code
//   stop(); live.close();
//
// The socket reconnects by itself (exponential backoff with jitter, 0.5 s to 30 s) and subscribes
// again to every channel; the server answers each with a fresh snapshot, so nothing is missed.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;

/** The /live URL of this page's own origin (ws: or wss:). */
function liveUrl() {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}/live`;
}

/**
 * Opens the live connection.
 *
 * @param {{ url?: string, onStatus?: (status: 'connecting' | 'open' | 'closed') => void }} [options]
 * @returns {{ subscribe(channel: string, onData: (data: unknown, frame: object) => void,
 *             onError?: (code: string) => void): () => void, close(): void }}
 */
export function connectLive(options = {}) {
  const url = options.url ?? liveUrl();
  /** channel → Set of { onData, onError } */
  const channels = new Map();
  let socket = null;
  let attempt = 0;
  let timer = null;
  let closed = false;

  const status = (s) => {
    try {
      options.onStatus?.(s);
    } catch {
      // a status listener's failure is not the connection's
    }
  };
  const send = (message) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };

  function open() {
    if (closed) return;
    status('connecting');
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => {
      attempt = 0;
      status('open');
      for (const channel of channels.keys()) send({ type: 'subscribe', channel });
    });
    ws.addEventListener('message', (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      const listeners = channels.get(frame.channel);
      if (frame.type === 'error') {
        // An error with no channel (a malformed message) concerns no subscriber.
        for (const l of listeners ?? []) l.onError?.(frame.code);
        return;
      }
      if (frame.type !== 'snapshot' && frame.type !== 'update') return;
      for (const l of listeners ?? []) {
        try {
          l.onData(frame.data, frame);
        } catch (error) {
          console.error('live listener failed', error);
        }
      }
    });
    ws.addEventListener('close', () => {
      if (socket === ws) socket = null;
      status('closed');
      if (closed) return;
      const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** attempt);
      attempt += 1;
      timer = setTimeout(open, delay / 2 + Math.random() * (delay / 2));
    });
  }
  open();

  return {
    subscribe(channel, onData, onError) {
      const listener = { onData, onError };
      let set = channels.get(channel);
      if (!set) {
        set = new Set();
        channels.set(channel, set);
      }
      set.add(listener);
      // A second listener on a channel asks again: the server answers with a snapshot for it too.
      send({ type: 'subscribe', channel });
      return () => {
        const current = channels.get(channel);
        if (!current?.delete(listener) || current.size > 0) return;
        channels.delete(channel);
        send({ type: 'unsubscribe', channel });
      };
    },
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close(1000);
      socket = null;
    },
  };
}
