// Bounded fuzzing: random malformed and oversized bodies, random fields and
// values, random paths and methods. No response may be 5xx, and every error
// must be JSON `{ error: <non-empty string>, status: <the response status> }`.
import { afterAll, describe, expect, test } from "bun:test";
import { auth, testApp, TOKEN } from "./test-app.ts";

/** Small deterministic PRNG (mulberry32) so a failure is reproducible from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

const SEED = Number(process.env.WIRELAB_FUZZ_SEED ?? 0x5eed);
const ROUNDS = 300;
const FIELDS = ["tx", "rx", "protocol", "mode", "pps", "duration", "count", "size", "flows", "message", "domains", "seed", "interval", "burstSize", "burstGap", "udpEcho", "capture", "xdp", "checks", "dstPort", "phaseDuration", "__proto__", "constructor", ""];

describe(`fuzz (seed ${SEED}, ${ROUNDS} requests each)`, () => {
  const t = testApp({ bodyLimitBytes: 4096 });
  afterAll(async () => {
    // Stop whatever a lucky valid body started.
    for (const call of t.fake.calls) await t.app.request(`/runs/${call.run.id}`, { method: "DELETE", headers: auth });
    t.cleanup();
  });
  const r = rng(SEED);

  const value = (depth = 0): unknown => {
    switch (r.int(depth > 2 ? 9 : 12)) {
      case 0: return null;
      case 1: return r.pick([0, -1, 1, 1.5, 1e308, -1e308, 2 ** 53, 65536, 1514, 59]);
      case 2: return r.pick(["", "tx", "rx", "udp", "rate", "../../etc/passwd", "$(reboot)", "a".repeat(r.int(3000)), "\u0000\uffff", "tx2"]);
      case 3: return r.next() < 0.5;
      case 4: return "NaN";
      case 5: return String(r.int(100000));
      case 6: return [];
      case 7: return {};
      case 8: return r.pick(["icmp", "dns", "random", "burst", "backoff"]);
      case 9: return Array.from({ length: r.int(5) }, () => value(depth + 1));
      default: return Object.fromEntries(Array.from({ length: r.int(5) }, () => [r.pick(FIELDS), value(depth + 1)]));
    }
  };

  const body = (): string => {
    switch (r.int(8)) {
      case 0: return JSON.stringify(Object.fromEntries(Array.from({ length: r.int(8) }, () => [r.pick(FIELDS), value()])));
      case 1: return JSON.stringify({ tx: r.pick(["tx", "rx", "tx2", "x"]), rx: r.pick(["tx", "rx", "rx2", "y"]), [r.pick(FIELDS)]: value() });
      case 2: return JSON.stringify(value());
      case 3: { const s = JSON.stringify({ tx: "tx", rx: "rx", message: "m" }); return s.slice(0, r.int(s.length)); }
      case 4: return "x".repeat(4000 + r.int(8000));
      case 5: return Array.from({ length: r.int(200) }, () => String.fromCharCode(r.int(0x10000))).join("");
      case 6: return "[".repeat(r.int(5000)) + "]".repeat(r.int(5000));
      default: return `{"tx":"tx","rx":"rx","pps":${r.pick(["1e999", "-0", "0x10", "01", "Infinity", "1"])}}`;
    }
  };

  const check = async (res: Response, what: string) => {
    expect(res.status, what).toBeLessThan(500);
    if (res.status >= 400) {
      expect(res.headers.get("content-type"), what).toStartWith("application/json");
      const json = (await res.json()) as { error?: unknown; status?: unknown };
      expect(typeof json.error, what).toBe("string");
      expect((json.error as string).length, what).toBeGreaterThan(0);
      expect(json.status, what).toBe(res.status);
    } else {
      await res.arrayBuffer();
    }
  };

  test("POST /runs with random bodies", async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const b = body();
      const res = await t.app.request("/runs", { method: "POST", headers: { ...auth, "Content-Type": r.next() < 0.85 ? r.pick(["application/json", "application/json; charset=utf-8"]) : r.pick(["text/plain", "application/x-www-form-urlencoded"]) }, body: b });
      await check(res, `#${i} body ${JSON.stringify(b.slice(0, 120))}`);
      // Keep hosts free so valid bodies keep reaching validation, not 409.
      if (res.status === 202) for (const call of t.fake.calls) if (!call.signal.aborted) await t.app.request(`/runs/${call.run.id}`, { method: "DELETE", headers: auth });
    }
  });

  test("random methods and paths, with and without the token", async () => {
    const segments = ["runs", "run-passed", "lab", "metrics", "status", "health", "openapi.json", "..", "%2e%2e", "%00", "%ff", "x".repeat(300), "", "runs?limit=-1", "?limit=abc", "events", "results", "%", "é", "results.json", "samples.jsonl", "..%2F..%2Fetc%2Fpasswd", "%2F", "run-failed"];
    for (let i = 0; i < ROUNDS; i++) {
      const path = "/" + Array.from({ length: 1 + r.int(4) }, () => r.pick(segments)).join("/");
      const method = r.pick(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]);
      const headers: Record<string, string> = r.next() < 0.7 ? { ...auth } : r.next() < 0.5 ? { Authorization: `Bearer ${TOKEN.slice(1)}` } : {};
      if (method === "POST" || method === "PUT" || method === "PATCH") headers["Content-Type"] = "application/json";
      const res = await t.app.request(path, { method, headers, ...(["POST", "PUT", "PATCH"].includes(method) ? { body: body() } : {}) });
      if (method === "HEAD") {
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
        continue;
      }
      await check(res, `#${i} ${method} ${path}`);
    }
  });
});
