// The SSE writer: frames as the contract says, a client that never reads is
// dropped instead of growing the queue, cleanup runs once; the parser reads
// frames split anywhere.
import { describe, expect, test } from "bun:test";
import { parseSse, sseStream } from "./sse.ts";

describe("sseStream", () => {
  test("frames are id, event and one data line; close ends the body", async () => {
    let closes = 0;
    const s = sseStream({ keepaliveMs: 60_000, onClose: () => closes++ });
    s.send("state", { id: "r", state: "running", note: "a\nb" });
    s.send("sample", { host: "tx" });
    s.close();
    s.close();
    expect(await new Response(s.body).text()).toBe('id: 1\nevent: state\ndata: {"id":"r","state":"running","note":"a\\nb"}\n\nid: 2\nevent: sample\ndata: {"host":"tx"}\n\n');
    expect(closes).toBe(1);
  });

  test("a reader that does not read is dropped past maxQueued frames", async () => {
    let closes = 0;
    const s = sseStream({ keepaliveMs: 60_000, maxQueued: 5, onClose: () => closes++ });
    for (let i = 0; i < 50; i++) s.send("sample", { i });
    expect(s.closed).toBe(true);
    expect(closes).toBe(1);
    await expect(new Response(s.body).text()).rejects.toThrow("client too slow");
  });
});

describe("parseSse", () => {
  test("reads frames split at any byte, skips comments, keeps the rest", () => {
    const text = 'id: 1\nevent: state\ndata: {"a":1}\n\n: keepalive\n\nid: 2\r\nevent: sample\r\ndata: {"b":2}\r\n\r\nid: 3\nevent: summ';
    for (let cut = 0; cut <= text.length; cut++) {
      const a = parseSse(text.slice(0, cut));
      const b = parseSse(a.rest + text.slice(cut));
      expect([...a.frames, ...b.frames]).toEqual([{ id: "1", event: "state", data: '{"a":1}' }, { id: "2", event: "sample", data: '{"b":2}' }]);
      expect(b.rest).toBe("id: 3\nevent: summ");
    }
  });
});
