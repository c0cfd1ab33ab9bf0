// Control API throughput and latency: `serve` as its own process on loopback,
// over a run store seeded with 8 hosts' series, loaded by wrk on /health,
// /metrics and /runs; a bare Bun.serve answering "ok" is measured in the same
// invocation, before and after, as the reference for this machine right now.
// A second bare Bun.serve sends /runs' own bytes, to tell what the body's size
// costs from what the API adds. Prints a table; asserts nothing. `bun run bench api [--seconds S] ...`.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BUN, REPO_ROOT, UsageError } from "../paths.ts";
import { RunStore } from "../store/run-store.ts";
import { emptyCounters, PROTOCOLS, type EngineStats, type Protocol, type ProtocolCounters } from "../traffic/engine-output.ts";
import { markdownTable } from "../report/format.ts";
import { benchArgs, wholeNumber } from "./bench-args.ts";

const USAGE = `Usage: bun run bench api [--seconds S] [--connections N] [--threads N] [--runs N] [--json]

Starts 'bun run serve' on 127.0.0.1 (a free port) over a run store seeded with
N runs between 8 hosts (tx1..tx4 -> rx1..rx4, every protocol moving, 5 samples
per host), then loads it with wrk (keep-alive, bearer token from a Lua script)
on GET /health, /metrics and /runs, one route at a time. A bare Bun.serve
returning "ok" is measured before and after the routes: its mean is the
reference the ratio column divides by (and the /runs goal's). A bare Bun.serve
sending the bytes /runs sent (same size, same Content-Type) is measured before
and after too: the last column divides by its mean, separating the cost of the
body's size from the API's own per-request work.

Goals: /health at least 20,000 requests/s; /metrics p99 under 10 ms; /runs at
least half the bare Bun.serve's requests/s.

Options:
  --seconds S       wrk's duration per route [5]
  --connections N   wrk's open connections [32]
  --threads N       wrk's threads [2]
  --runs N          runs seeded into the store [2000]
  --json            one JSON object instead of the table
  -h, --help        this help

Example:
  bun run bench api --seconds 5 --connections 32

Needs wrk (Debian package; 'bun run bench api' installs the bench profile of
images/provision.sh when run as root).`;

interface Args {
  seconds: number;
  connections: number;
  threads: number;
  runs: number;
  json: boolean;
}


function parseArgs(argv: string[]): Args | "help" {
  const args: Args = { seconds: 5, connections: 32, threads: 2, runs: 2000, json: false };
  const int = wholeNumber;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-h" || a === "--help") return "help";
    else if (a === "--seconds") args.seconds = int(a, argv[++i], 1, 600);
    else if (a === "--connections") args.connections = int(a, argv[++i], 1, 10_000);
    else if (a === "--threads") args.threads = int(a, argv[++i], 1, 64);
    else if (a === "--runs") args.runs = int(a, argv[++i], 0, 1_000_000);
    else if (a === "--json") args.json = true;
    else throw new UsageError(`unknown argument '${a}' (see --help)`);
  }
  if (args.connections < args.threads) throw new UsageError(`--connections: ${args.connections} is fewer than --threads ${args.threads} (wrk needs one per thread)`);
  return args;
}

// ---------------------------------------------------------------- the seeded store

const PAIRS = [["tx1", "rx1"], ["tx2", "rx2"], ["tx3", "rx3"], ["tx4", "rx4"]] as const;

function stats(t: number, role: "tx" | "rx", n: number): EngineStats {
  const protocols = Object.fromEntries(
    PROTOCOLS.map((p, i) => {
      const c: ProtocolCounters = { ...emptyCounters() };
      const packets = n * (i + 1);
      if (role === "tx") Object.assign(c, { tx_packets: packets, tx_bytes: packets * 64, requests: p === "udp" || p === "eth" ? 0 : packets, answers_matched: p === "udp" || p === "eth" ? 0 : packets - 1 });
      else Object.assign(c, { rx_packets: packets, rx_bytes: packets * 64, answers_sent: p === "udp" || p === "eth" ? 0 : packets });
      return [p, c];
    }),
  ) as Record<Protocol, ProtocolCounters>;
  return {
    type: "stats", t, role, protocols,
    totals: { tx_packets: 0, tx_bytes: 0, rx_packets: 0, rx_bytes: 0, malformed: 0, unknown: 0, tx_dropped: 0, rx_missed: 0 },
    rates: { tx_pps: 1000, rx_pps: 1000, tx_bps: 512_000, rx_bps: 512_000 },
    rtt_us: role === "tx" ? { count: n, p50: 40, p90: 60, p99: 90, max: 200 } : null,
    pacing: null, tcp: { handshakes_completed: 0, resets: 0 }, backoff: null,
  };
}

/** The runs a lab of 8 hosts leaves after a while: every pair, every protocol, 5 one-second samples per host. */
export function seed(dbFile: string, runs: number): void {
  const store = RunStore.open(dbFile);
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < runs; i++) {
    const [tx, rx] = PAIRS[i % PAIRS.length]!;
    const id = `bench-${String(i).padStart(7, "0")}`;
    const startedAt = new Date(t0 + i * 10_000).toISOString();
    store.startRun({ id, kind: "traffic", name: `udp/rate ${tx} -> ${rx}`, dir: `/nonexistent/${id}`, lab: "scale8", spec: { tx, rx, protocol: "udp", mode: "rate", pps: 1000, duration: 5 }, provenance: { via: "bench" }, startedAt });
    for (let t = 1; t <= 5; t++) {
      store.addSample(id, { host: tx, role: "tx", stats: stats(t, "tx", 1000 * t) });
      store.addSample(id, { host: rx, role: "rx", stats: stats(t, "rx", 1000 * t - 1) });
    }
    store.finishRun(id, i % 17 === 0 ? "failed" : "passed", i % 17 === 0 ? "seeded failure" : undefined, [{ name: "min-rx-ratio", ok: i % 17 !== 0, detail: "seeded" }]);
  }
  store.close();
}

// ---------------------------------------------------------------- processes this bench starts, and ends by pid

const live = new Set<Bun.Subprocess>();

function stopAll(): void {
  for (const p of live) if (p.exitCode === null) p.kill("SIGTERM");
}

/** Starts a server process and reads its port from the first line matching `pattern`. */
async function startServer(argv: string[], env: Record<string, string>, pattern: RegExp): Promise<{ proc: Bun.Subprocess<"ignore", "pipe", "pipe">; port: number }> {
  const proc = Bun.spawn(argv, { cwd: REPO_ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  live.add(proc);
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = pattern.exec(text);
    if (m) {
      // Keep draining its output so a chatty server never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read().catch(() => ({ done: true }))).done);
      })();
      void new Response(proc.stderr).text().catch(() => "");
      return { proc, port: Number(m[1]) };
    }
    const next = await Promise.race([reader.read(), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => undefined)]);
    if (!next || next.done) {
      proc.kill("SIGKILL");
      throw new Error(`${argv.slice(1, 3).join(" ")} did not start: ${(await new Response(proc.stderr).text().catch(() => "")).trim().split("\n").at(-1) ?? text}`);
    }
    text += new TextDecoder().decode(next.value);
  }
}

// ---------------------------------------------------------------- wrk

interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) throw new Error(`wrk: cannot read the latency '${value}'`);
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60_000;
}

/** Reads wrk --latency's report: the latency distribution, requests/s, non-2xx and socket errors. */
export function parseWrk(text: string): WrkResult {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)\\s*$`, "m").exec(text);
    if (!m) throw new Error(`wrk: no ${p}% latency in its output (was --latency given?)`);
    return toMs(m[1]!);
  };
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  if (!rps) throw new Error(`wrk: no Requests/sec in its output: ${text.trim().split("\n").at(-1)}`);
  const requests = /^\s*(\d+) requests in /m.exec(text);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    rps: Number(rps[1]),
    p50Ms: pct("50"),
    p99Ms: pct("99"),
    requests: requests ? Number(requests[1]) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock ? sock.slice(1).reduce((a, n) => a + Number(n), 0) : 0,
  };
}

async function wrk(url: string, args: Args, script: string, token: string): Promise<WrkResult> {
  // The token reaches wrk through its environment and a Lua script, never its command line (visible in ps).
  const proc = Bun.spawn(["wrk", "-t", String(args.threads), "-c", String(args.connections), "-d", `${args.seconds}s`, "--latency", "-s", script, url], {
    stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, WIRELAB_BENCH_TOKEN: token },
  });
  live.add(proc);
  const timer = setTimeout(() => proc.kill("SIGKILL"), (args.seconds + 30) * 1000);
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  live.delete(proc);
  if (code !== 0) throw new Error(`wrk ${url} exited ${code}: ${(err || out).trim().split("\n").at(-1)}`);
  return parseWrk(out);
}

// ---------------------------------------------------------------- main

interface Row extends WrkResult {
  route: string;
  goal: string;
  met: boolean | null;
}


function qemuCount(): number {
  const r = Bun.spawnSync(["pgrep", "-c", "qemu-system"], { stdout: "pipe", stderr: "ignore" });
  return Number(r.stdout.toString().trim()) || 0;
}

async function main(argv: string[]): Promise<number> {
  const args = benchArgs<Args>("api", USAGE, parseArgs, argv);
  if (typeof args === "number") return args;
  if (!Bun.which("wrk")) {
    console.error("bench api: wrk is not installed: run 'bun run bench api' as root (it installs provision.sh's bench profile) or apt-get install wrk");
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), "wirelab-api-bench-"));
  const onSignal = () => {
    stopAll();
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const token = randomBytes(24).toString("base64url");
    const script = join(work, "auth.lua");
    writeFileSync(script, `wrk.headers["Authorization"] = "Bearer " .. os.getenv("WIRELAB_BENCH_TOKEN")\n`);
    const resultsDir = join(work, "results");
    const seedStart = performance.now();
    seed(join(resultsDir, "wirelab.sqlite"), args.runs);
    const seedS = (performance.now() - seedStart) / 1000;
    if (!args.json) console.error(`bench api: seeded ${args.runs} runs (8 hosts, ${PROTOCOLS.length} protocols) in ${seedS.toFixed(1)} s`);

    const bare = await startServer([BUN, "-e", `const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") }); console.log("port " + s.port);`], {}, /port (\d+)/);
    const api = await startServer([BUN, join(REPO_ROOT, "runner/src/cli.ts"), "serve", "--listen", "127.0.0.1:0", "--results", resultsDir], { WIRELAB_API_TOKEN: token }, /http:\/\/127\.0\.0\.1:(\d+)/);
    const base = `http://127.0.0.1:${api.port}`;
    // Every route answers 200 before it is loaded: a bench of 401s or 404s would measure nothing.
    for (const path of ["/health", "/metrics", "/runs"]) {
      const res = await fetch(base + path, { headers: { Authorization: `Bearer ${token}` } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 120)}`);
    }
    const metricsBytes = (await (await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).text()).length;
    const runsRes = await fetch(`${base}/runs`, { headers: { Authorization: `Bearer ${token}` } });
    const runsBody = join(work, "runs-body");
    writeFileSync(runsBody, new Uint8Array(await runsRes.arrayBuffer()));
    const runsBytes = readFileSync(runsBody).length;
    // The plain way to send fixed bytes from Bun.serve: one Blob, a new Response per request.
    const sameBody = await startServer(
      [BUN, "-e", `const body = new Blob([require("node:fs").readFileSync(${JSON.stringify(runsBody)})]); const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(body, { headers: { "Content-Type": ${JSON.stringify(runsRes.headers.get("content-type"))} } }) }); console.log("port " + s.port);`],
      {}, /port (\d+)/,
    );

    const loadBefore = loadavg();
    const qemu = qemuCount();
    const measure = async (route: string, url: string, goal: string, met: (r: WrkResult) => boolean | null): Promise<Row> => {
      if (!args.json) console.error(`bench api: wrk ${args.seconds} s on ${route}`);
      const r = await wrk(url, args as Args, script, token);
      return { route, goal, met: met(r), ...r };
    };
    const refA = await measure("bare Bun.serve \"ok\" (reference, before)", `http://127.0.0.1:${bare.port}/`, "-", () => null);
    const sameA = await measure(`bare Bun.serve, /runs' ${runsBytes} bytes (before)`, `http://127.0.0.1:${sameBody.port}/`, "-", () => null);
    const health = await measure("GET /health", `${base}/health`, "≥ 20,000 req/s", (r) => r.rps >= 20_000);
    const metrics = await measure("GET /metrics", `${base}/metrics`, "p99 < 10 ms", (r) => r.p99Ms < 10);
    const runs = await measure("GET /runs (50 runs)", `${base}/runs`, "≥ 0.5x bare", () => null);
    const sameB = await measure(`bare Bun.serve, /runs' ${runsBytes} bytes (after)`, `http://127.0.0.1:${sameBody.port}/`, "-", () => null);
    const refB = await measure("bare Bun.serve \"ok\" (reference, after)", `http://127.0.0.1:${bare.port}/`, "-", () => null);
    const loadAfter = loadavg();
    const refRps = (refA.rps + refB.rps) / 2;
    const sameRps = (sameA.rps + sameB.rps) / 2;
    runs.met = runs.rps >= 0.5 * refRps;
    const rows = [refA, sameA, health, metrics, runs, sameB, refB];
    const vsSame = (r: Row) => (r === runs || r === sameA || r === sameB ? r.rps / sameRps : null);

    const fmtLoad = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
    if (args.json) {
      console.log(JSON.stringify({
        seconds: args.seconds, connections: args.connections, threads: args.threads, seededRuns: args.runs, metricsBytes, runsBytes,
        loadavgBefore: loadBefore, loadavgAfter: loadAfter, qemuProcesses: qemu, referenceRps: refRps, sameBodyReferenceRps: sameRps,
        rows: rows.map((r) => ({ ...r, ratioToReference: r.rps / refRps, ratioToSameBody: vsSame(r) })),
        goals: { healthRps: { goal: 20_000, value: health.rps, met: health.met }, metricsP99Ms: { goal: 10, value: metrics.p99Ms, met: metrics.met }, runsVsBare: { goal: 0.5, value: runs.rps / refRps, met: runs.met } },
      }));
    } else {
      console.log(`control API under wrk: ${args.seconds} s per route, ${args.connections} connections, ${args.threads} threads, loopback; store: ${args.runs} runs, 8 hosts; /metrics is ${metricsBytes} bytes, /runs ${runsBytes}`);
      console.log(`load average: ${fmtLoad(loadBefore)} before, ${fmtLoad(loadAfter)} after; ${qemu} qemu process${qemu === 1 ? "" : "es"} running; wrk, the server and anything else share this machine's 2 cores`);
      console.log(
        markdownTable(
          ["route", "requests/s", "p50 ms", "p99 ms", "non-2xx", "vs bare Bun.serve", "goal", "met", "vs same-size bare"],
          rows.map((r) => [
            r.route, Math.round(r.rps).toLocaleString("en-US"), r.p50Ms.toFixed(2), r.p99Ms.toFixed(2), String(r.non2xx + r.socketErrors),
            `${(r.rps / refRps).toFixed(2)}x`, r.goal, r.met === null ? "-" : r.met ? "met" : "not met", vsSame(r) === null ? "-" : `${vsSame(r)!.toFixed(2)}x`,
          ]),
        ),
      );
      const n = (x: number) => Math.round(x).toLocaleString("en-US");
      console.log(`reference: ${n(refRps)} req/s (mean of before and after: ${n(refA.rps)}, ${n(refB.rps)}); same-size bare: ${n(sameRps)} req/s (${n(sameA.rps)}, ${n(sameB.rps)})`);
    }
    return 0;
  } finally {
    stopAll();
    await Promise.all([...live].map((p) => p.exited));
    live.clear();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      stopAll();
      console.error(`bench api: ${err.message.split("\n")[0]}`);
      process.exit(1);
    },
  );
}
