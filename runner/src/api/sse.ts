// A server-sent events stream: `id: n` / `event: type` / `data: <one-line
// JSON>` frames, a `: keepalive` comment on a timer so proxies and idle
// timeouts leave a quiet stream open, and one cleanup however it ends (closed
// by us, cancelled by the client, or dropped for not reading).

export const SSE_HEADERS = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache, no-store",
  "X-Accel-Buffering": "no",
} as const;

export interface SseOptions {
  readonly keepaliveMs: number;
  /** Frames queued for a client that does not read, before it is dropped. */
  readonly maxQueued?: number;
  /** Runs once, whichever way the stream ends. */
  readonly onClose?: () => void;
}

export interface SseStream {
  readonly body: ReadableStream<Uint8Array>;
  send(event: string, data: unknown): void;
  /** `json` is one line of JSON already (JSON.stringify's output): sent without serialising its object again. */
  sendJson(event: string, json: string): void;
  close(): void;
  readonly closed: boolean;
}

export function sseStream(options: SseOptions): SseStream {
  const encoder = new TextEncoder();
  const maxQueued = options.maxQueued ?? 10_000;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let nextId = 1;
  let timer: ReturnType<typeof setInterval> | undefined;

  const cleanup = () => {
    if (closed) return false;
    closed = true;
    clearInterval(timer);
    options.onClose?.();
    return true;
  };
  const write = (text: string) => {
    if (closed) return;
    if ((controller.desiredSize ?? 0) < -maxQueued) {
      // A reader this far behind would grow the queue without bound: end its stream, it can reconnect and replay.
      if (cleanup()) controller.error(new Error("client too slow"));
      return;
    }
    controller.enqueue(encoder.encode(text));
  };

  const sendJson = (event: string, json: string) => write(`id: ${nextId++}\nevent: ${event}\ndata: ${json}\n\n`);

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      timer = setInterval(() => write(": keepalive\n\n"), options.keepaliveMs);
    },
    cancel() {
      cleanup();
    },
  });

  return {
    body,
    get closed() {
      return closed;
    },
    send(event, data) {
      // JSON.stringify never emits a raw newline, so one `data:` line always carries the whole object.
      sendJson(event, JSON.stringify(data));
    },
    sendJson,
    close() {
      if (cleanup()) controller.close();
    },
  };
}

/** One parsed frame; the parser is what the tests and the dashboard's reader agree on. */
export interface SseFrame {
  id?: string;
  event: string;
  data: string;
}

/** Splits SSE text into frames; returns the frames and the unfinished rest to prepend to the next chunk. */
export function parseSse(text: string): { frames: SseFrame[]; rest: string } {
  const frames: SseFrame[] = [];
  // A chunk may end between the \r and \n of one line end: keep a trailing \r for the next chunk.
  const held = text.endsWith("\r") ? "\r" : "";
  const blocks = text.slice(0, text.length - held.length).replace(/\r\n?/g, "\n").split("\n\n");
  const rest = (blocks.pop() ?? "") + held;
  for (const block of blocks) {
    const frame: SseFrame = { event: "message", data: "" };
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") frame.event = value;
      else if (field === "data") data.push(value);
      else if (field === "id") frame.id = value;
    }
    if (data.length === 0) continue;
    frame.data = data.join("\n");
    frames.push(frame);
  }
  return { frames, rest };
}
