// The SSE reader against a real Bun.serve that writes the events route's
// format in awkward chunks: lines split mid-way and across CR/LF, comments,
// multi-line data, ids carried over, an unfinished last event.
import { afterAll, expect, test } from "bun:test";
import { readSse, type SseEvent } from "./sse-reader.ts";

const chunks = [
  ": keepalive\n\n",
  "event: state\nid: 1\ndata: {\"id\":\"r1\",\"state\":\"running\"}\n\n",
  "event: sam", "ple\r", "\nid: 2\r\ndata: {\"host\":\"tx\",", "\"role\":\"tx\"}\r\n\r\n",
  "data: first line\ndata: second line\n\n",
  "event: summary\rdata:{\"no\":\"space\"}\r\r",
  "event: unfinished\ndata: never ended",
];

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () =>
    new Response(
      new ReadableStream({
        async start(controller) {
          for (const c of chunks) {
            controller.enqueue(new TextEncoder().encode(c));
            await Bun.sleep(5);
          }
          controller.close();
        },
      }),
      { headers: { "Content-Type": "text/event-stream" } },
    ),
});
afterAll(() => server.stop(true));

test("reads events from a real stream whatever the chunking and line ends", async () => {
  const res = await fetch(`http://127.0.0.1:${server.port}/`);
  const events: SseEvent[] = [];
  for await (const ev of readSse(res.body!)) events.push(ev);
  expect(events).toEqual([
    { event: "state", id: "1", data: '{"id":"r1","state":"running"}' },
    { event: "sample", id: "2", data: '{"host":"tx","role":"tx"}' },
    { event: "message", id: "2", data: "first line\nsecond line" },
    { event: "summary", id: "2", data: '{"no":"space"}' },
  ]);
});

test("an event split at every byte reads the same", async () => {
  const text = "event: sample\r\nid: 7\r\ndata: {\"a\":1}\r\n\r\n";
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const b of bytes) controller.enqueue(new Uint8Array([b]));
      controller.close();
    },
  });
  const events: SseEvent[] = [];
  for await (const ev of readSse(body)) events.push(ev);
  expect(events).toEqual([{ event: "sample", id: "7", data: '{"a":1}' }]);
});
