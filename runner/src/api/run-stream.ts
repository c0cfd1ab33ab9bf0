// What GET /runs/:id/events sends for one run. A finished run: its stored
// samples, then its state and summary. A run this server drives: its state,
// the samples stored so far, then live ones from RunEvents until the summary.
// A run another process drives (the CLI): the same, by tailing its
// samples.jsonl and polling the store for its end.
import { statSync } from "node:fs";
import { join } from "node:path";
import { PROTOCOLS, emptyCounters } from "../traffic/engine-output.ts";
import type { RunRow, RunStore, SampleRow } from "../store/run-store.ts";
import { stateEvent, summaryEvent, type RunEvent, type RunEvents, type SampleEvent } from "./run-events.ts";
import { sseStream, type SseStream } from "./sse.ts";

export interface RunStreamOptions {
  readonly store: RunStore;
  readonly events: RunEvents;
  readonly keepaliveMs: number;
  /** How often a run driven by another process is looked at again. */
  readonly pollMs: number;
}

const CHUNK = 1 << 20;

function fileSize(path: string): number {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : -1;
  } catch {
    return -1;
  }
}

/** Complete lines of bytes [from, to), read in chunks; `end` is the offset after the last complete line. */
async function readLines(path: string, from: number, to: number, onLine: (line: string) => boolean): Promise<number> {
  const decoder = new TextDecoder();
  let offset = from;
  let pending = new Uint8Array(0);
  let pendingStart = from;
  while (offset < to) {
    const chunk = await Bun.file(path).slice(offset, Math.min(to, offset + CHUNK)).bytes();
    if (chunk.length === 0) break;
    offset += chunk.length;
    const buf = new Uint8Array(pending.length + chunk.length);
    buf.set(pending);
    buf.set(chunk, pending.length);
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      if (buf[i] !== 0x0a) continue;
      if (!onLine(decoder.decode(buf.subarray(start, i)))) return pendingStart + i + 1;
      start = i + 1;
    }
    pendingStart += start;
    pending = buf.slice(start);
  }
  return pendingStart;
}

function parseSampleLine(line: string): SampleEvent | undefined {
  if (!line.trim()) return undefined;
  try {
    const v = JSON.parse(line) as unknown;
    if (v && typeof v === "object" && typeof (v as { host?: unknown }).host === "string") return v as SampleEvent;
  } catch {
    // A torn or foreign line is skipped, not fatal to the stream.
  }
  return undefined;
}

/**
 * Samples rebuilt from the store's rows, for runs without a samples.jsonl (a run the CLI's demo stored, a test's
 * fixture): the counters per protocol, the host's rates and the RTT percentiles the store keeps.
 */
export function samplesFromRows(rows: readonly SampleRow[]): SampleEvent[] {
  const out = new Map<string, SampleEvent & { protocols: Record<string, unknown> }>();
  for (const r of rows) {
    const key = `${r.t}\u0000${r.host}\u0000${r.role}`;
    let e = out.get(key);
    if (!e) {
      e = {
        host: r.host, role: r.role, type: "stats", t: r.t,
        protocols: Object.fromEntries(PROTOCOLS.map((p) => [p, emptyCounters()])),
        rates: { tx_pps: r.tx_pps, rx_pps: r.rx_pps },
        rtt_us: r.rtt_p50_us === null ? null : { p50: r.rtt_p50_us, p99: r.rtt_p99_us },
      };
      out.set(key, e);
    }
    const { tx_packets, tx_bytes, rx_packets, rx_bytes, requests, answers_sent, answers_matched, errors } = r;
    e.protocols[r.protocol] = { tx_packets, tx_bytes, rx_packets, rx_bytes, requests, answers_sent, answers_matched, errors };
  }
  return [...out.values()];
}

/** What the stream replays: the run's samples.jsonl up to its size now, or the store's rows now. Read in one tick. */
function snapshot(store: RunStore, run: RunRow): { file: string; size: number } | { rows: SampleEvent[] } {
  const file = join(run.dir, "samples.jsonl");
  const size = fileSize(file);
  if (size >= 0) return { file, size };
  return { rows: samplesFromRows(store.samples(run.id)) };
}

async function replay(sse: SseStream, source: ReturnType<typeof snapshot>): Promise<number> {
  if ("rows" in source) {
    for (const s of source.rows) sse.send("sample", s);
    return 0;
  }
  return readLines(source.file, 0, source.size, (line) => {
    const s = parseSampleLine(line);
    if (s) sse.send("sample", s);
    return !sse.closed;
  });
}

function finishStream(sse: SseStream, store: RunStore, runId: string): void {
  try {
    const run = store.getRun(runId);
    if (run) {
      sse.send("state", stateEvent(run));
      sse.send("summary", summaryEvent(store, run));
    }
    sse.close();
  } catch (err) {
    failStream(sse, err);
  }
}

/** A store that is busy now may answer on the next poll; any other store error will not go away by waiting. */
function transient(err: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test((err as { code?: string })?.code ?? "");
}

/**
 * Ends this stream, and only this stream, with an `error` event: `{"error": "<one line>"}`. The response has been
 * sent already, so a status cannot say it; the process and every other request go on.
 */
export function failStream(sse: SseStream, err: unknown): void {
  if (sse.closed) return;
  const message = ((err as Error)?.message ?? String(err)).split("\n")[0];
  console.error(`wirelab serve: an event stream ended on an error: ${message}`);
  sse.send("error", { error: (err as Error)?.name === "SQLiteError" ? `run store: ${message}` : message });
  sse.close();
}

export function runEventStream(run: RunRow, options: RunStreamOptions): ReadableStream<Uint8Array> {
  const { store, events } = options;
  let unsubscribe: (() => void) | undefined;
  let poll: ReturnType<typeof setTimeout> | undefined;
  const sse = sseStream({
    keepaliveMs: options.keepaliveMs,
    onClose: () => {
      unsubscribe?.();
      clearTimeout(poll);
    },
  });

  if (events.isLive(run.id)) {
    // Read what is stored and subscribe in the same tick: samples are stored and published in one synchronous call.
    const source = snapshot(store, run);
    const queued: RunEvent[] = [];
    let replaying = true;
    let ended = false;
    const deliver = (e: RunEvent) => {
      if (e.type === "sample" && e.json !== undefined) sse.sendJson(e.type, e.json);
      else sse.send(e.type, e.data);
      if (e.type === "summary") sse.close();
    };
    unsubscribe = events.subscribe(
      run.id,
      (e) => (replaying ? queued.push(e) : deliver(e)),
      () => {
        ended = true;
        if (!replaying) sse.close();
      },
    );
    sse.send("state", stateEvent(run));
    void replay(sse, source)
      .catch((err) => failStream(sse, err))
      .finally(() => {
        replaying = false;
        for (const e of queued.splice(0)) if (!sse.closed) deliver(e);
        if (ended) sse.close();
      });
    return sse.body;
  }

  if (run.state !== "running") {
    void replay(sse, snapshot(store, run))
      .catch((err) => failStream(sse, err))
      .finally(() => {
        if (!sse.closed) finishStream(sse, store, run.id);
      });
    return sse.body;
  }

  // Driven by another process: follow its samples.jsonl and the store's row until the run ends.
  const file = join(run.dir, "samples.jsonl");
  let offset = 0;
  const tail = async () => {
    const size = fileSize(file);
    if (size > offset) {
      offset = await readLines(file, offset, size, (line) => {
        const s = parseSampleLine(line);
        if (s) sse.send("sample", s);
        return !sse.closed;
      });
    }
  };
  sse.send("state", stateEvent(run));
  const tick = async () => {
    if (sse.closed) return;
    try {
      const now = store.getRun(run.id);
      await tail();
      if (!now || now.state !== "running") {
        if (!sse.closed) finishStream(sse, store, run.id);
        return;
      }
    } catch (err) {
      // A busy store or a file rotating under us: try again on the next tick. A broken store ends the stream.
      if ((err as Error)?.name === "SQLiteError" && !transient(err)) return failStream(sse, err);
    }
    if (!sse.closed) poll = setTimeout(() => void tick(), options.pollMs);
  };
  void tick();
  return sse.body;
}
