// Server-sent events (text/event-stream) read from a fetch body, by the
// WHATWG rules a browser's EventSource follows: fields up to a blank line make
// one event, comment lines (keepalives) are skipped, CRLF/CR/LF all end lines.
// Written out because Bun has no EventSource that can send a bearer token.

export interface SseEvent {
  /** "message" when the server named none. */
  readonly event: string;
  readonly data: string;
  /** The last id the stream set, carried over to later events as EventSource does. */
  readonly id: string | undefined;
}

/** Splits a byte stream into lines, whichever end-of-line the server uses; a CR at a chunk's end waits for a possible LF. */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      const ch = buf[i];
      if (ch !== "\n" && ch !== "\r") continue;
      if (ch === "\r" && i === buf.length - 1) break;
      yield buf.slice(start, i);
      if (ch === "\r" && buf[i + 1] === "\n") i++;
      start = i + 1;
    }
    buf = buf.slice(start);
  }
  buf += decoder.decode();
  if (buf.endsWith("\r")) buf = buf.slice(0, -1);
  // A last line without its end-of-line belongs to an event the server never finished: dropped, as EventSource does.
}

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  for await (const line of lines(body)) {
    if (line === "") {
      if (data.length) yield { event: event || "message", data: data.join("\n"), id };
      event = "";
      data = [];
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
    // 'retry' and unknown fields: nothing this reader needs.
  }
}
