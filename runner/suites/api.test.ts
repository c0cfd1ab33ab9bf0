// The control API as an operator meets it: a real `wirelab serve` process on
// loopback with a real token file, real runs on a netns lab of this suite's
// own (api, on 198.18.42.0/24), the engines' own counters as the truth.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readEvents, type ParsedEvent } from "../src/api/test-app.ts";
import type { TrafficResult } from "../src/traffic/run-traffic.ts";
import { ownTwoHostLab } from "./own-lab.ts";
import { useServedLab } from "./served-lab.ts";

type Json = Record<string, any>;

const work = mkdtempSync(join(tmpdir(), "wirelab-api-suite-"));
const LAB = ownTwoHostLab(work, "api", 42, "the API suite's own two-host lab");
const TOKEN = "api-suite-token-" + crypto.randomUUID();
const TOKEN_FILE = join(work, "api-token");
writeFileSync(TOKEN_FILE, TOKEN + "\n", { mode: 0o600 });
const results = join(work, "results");

const env: Record<string, string | undefined> = { ...process.env, WIRELAB_INVENTORY: "" };
delete env.WIRELAB_API_TOKEN;
const served = useServedLab({ labFile: LAB, labName: "api", work, serveArgs: ["--token-file", TOKEN_FILE, "--results", results], env });

const auth = () => ({ Authorization: `Bearer ${TOKEN}` });
const api = (path: string, init: RequestInit = {}) => fetch(served.server.base + path, { ...init, headers: { ...auth(), ...(init.headers ?? {}) } });
const post = (body: unknown) => api("/runs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
const samples = (es: ParsedEvent[], host: string) => es.filter((e) => e.event === "sample" && e.data.host === host).map((e) => e.data);

/** The value of one Prometheus sample line, by name and exact label set. */
function metric(text: string, name: string, labels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("wirelab serve on a real lab", () => {
  test("no token, no data: 401 JSON everywhere but /health and the dashboard page", async () => {
    for (const path of ["/status", "/runs", "/lab", "/metrics", "/runs/x/events", "/runs/x/results/results.json", "/openapi.json"]) {
      const res = await fetch(served.server.base + path);
      expect(res.status, path).toBe(401);
      expect(((await res.json()) as Json).status).toBe(401);
    }
    expect((await fetch(served.server.base + "/runs/x", { headers: { Authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
    // Served natively by Bun.serve's static route: same body and type as the app's own route, other methods still the app's.
    const health = await fetch(served.server.base + "/health");
    expect([health.status, health.headers.get("content-type"), await health.json()]).toEqual([200, "application/json", { ok: true }]);
    const posted = await fetch(served.server.base + "/health", { method: "POST" });
    expect(posted.status).toBe(401);
    const page = await fetch(served.server.base + "/");
    expect([page.status, page.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
    expect(await page.text()).not.toContain(TOKEN);
  });

  test("/status reports both lab hosts reachable through the netns transport", async () => {
    const read = async () => ((await (await api("/status")).json()) as Json).lab.hosts as Json[];
    let hosts = await read();
    // The first probe may still be running when /status answers (it never waits long): ask again.
    for (let i = 0; i < 20 && !hosts.every((h) => h.reachable === true); i++) {
      await Bun.sleep(250);
      hosts = await read();
    }
    expect(hosts.map((h) => [h.name, h.reachable])).toEqual([["tx", true], ["rx", true]]);
    expect(hosts[0]!.ms).toBeLessThan(2000);
  });

  let firstRun = "";
  let firstResult: TrafficResult | undefined;

  test("a UDP rate run started over the API streams live samples to its summary, and the stream agrees with the engines", async () => {
    const pps = 400;
    const res = await post({ tx: "tx", rx: "rx", protocol: "udp", mode: "rate", pps, duration: 3, checks: { minRxRatio: 0.9 } });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    firstRun = id;
    const stream = await api(`/runs/${id}/events`);
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const { events, closed } = await readEvents(stream, { timeoutMs: 60_000 });
    expect(closed).toBe(true);
    expect(events[0]).toMatchObject({ id: 1, event: "state", data: { id, state: "running" } });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-2)).toMatchObject({ event: "state", data: { id, state: "passed" } });
    const summary = events.at(-1)!;
    expect(summary.event).toBe("summary");

    const fileRes = await api(`/runs/${id}/results/results.json`);
    expect([fileRes.status, fileRes.headers.get("content-type")]).toEqual([200, "application/json"]);
    const result = (await fileRes.json()) as TrafficResult;
    firstResult = result;
    expect(summary.data).toEqual({ id, state: result.state, verdicts: result.checks, startedAt: expect.any(String), endedAt: expect.any(String) });
    expect(result.state).toBe("passed");

    // Live samples from both engines, cumulative, each one a line of the run's samples.jsonl.
    const tx = samples(events, "tx");
    const rx = samples(events, "rx");
    expect(tx.length).toBeGreaterThanOrEqual(2);
    expect(rx.length).toBeGreaterThanOrEqual(2);
    const jsonl = (await (await api(`/runs/${id}/results/samples.jsonl`)).text()).trim().split("\n").map((l) => JSON.parse(l) as Json);
    expect(events.filter((e) => e.event === "sample").map((e) => { const { role: _r, ...rest } = e.data; return rest; })).toEqual(jsonl.map(({ role: _r, ...rest }) => rest));
    const sent = result.tx.udp.tx_packets;
    const received = result.rx.udp.rx_packets;
    expect(sent).toBe(result.hosts.find((h) => h.host === "tx")!.summary!.protocols.udp.tx_packets);
    expect(sent).toBeGreaterThan(pps * 3 * 0.8);
    const txCounts = tx.map((s) => s.protocols.udp.tx_packets as number);
    expect(txCounts).toEqual([...txCounts].sort((a, b) => a - b));
    // The last sample of each engine is its summary: the stream ends on the engines' own totals.
    expect(tx.at(-1)!.type).toBe("summary");
    expect(txCounts.at(-1)!).toBe(sent);
    expect(rx.at(-1)!.type).toBe("summary");
    expect(rx.at(-1)!.protocols.udp.rx_packets).toBe(received);
    expect(events.filter((e) => e.event === "host").length).toBeGreaterThan(0);

    // A second look at the finished run replays the same samples, then state and summary.
    const again = await readEvents(await api(`/runs/${id}/events`), { timeoutMs: 20_000 });
    expect(again.events.filter((e) => e.event === "sample").map((e) => e.data.t)).toEqual(jsonl.map((l) => l.t));
    expect(again.events.slice(-2).map((e) => e.event)).toEqual(["state", "summary"]);
    expect(again.events.at(-1)!.data).toEqual(summary.data);

    const files = ((await (await api(`/runs/${id}/results`)).json()) as Json).files.map((f: Json) => f.name);
    for (const f of ["results.json", "samples.jsonl", "report.html", "results.csv", "junit.xml"]) expect(files).toContain(f);
    expect((await api(`/runs/${id}/results/..%2F..%2Fwirelab.sqlite`)).status).toBe(404);
    expect((await api(`/runs/${id}/results/report.html`)).headers.get("content-type")).toBe("text/html; charset=utf-8");
  }, 90_000);

  test("/metrics carries the run's counters", async () => {
    expect(firstResult).toBeDefined();
    const text = await (await api("/metrics")).text();
    const tx = metric(text, "wirelab_packets_total", 'host="tx",protocol="udp",direction="tx"')!;
    const rx = metric(text, "wirelab_packets_total", 'host="rx",protocol="udp",direction="rx"')!;
    // One run finished: its counters are exactly the engines' final summaries.
    expect(tx).toBe(firstResult!.tx.udp.tx_packets);
    expect(rx).toBe(firstResult!.rx.udp.rx_packets);
    expect(metric(text, "wirelab_runs", 'state="passed"')).toBe(1);
  });

  test("a real Prometheus server scrapes /metrics with the token: target up, the run's counters queryable", async () => {
    const prometheus = Bun.which("prometheus");
    if (!prometheus) throw new Error("prometheus not found: run images/provision.sh --profile test (Debian package prometheus)");
    expect(firstResult).toBeDefined();
    const dir = mkdtempSync(join(work, "prometheus-"));
    // A free loopback port for its web API: taken from the kernel, then released for it.
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    const target = new URL(served.server.base).host;
    writeFileSync(
      join(dir, "prometheus.yml"),
      `global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - job_name: wirelab
    authorization: { type: Bearer, credentials_file: ${TOKEN_FILE} }
    static_configs: [{ targets: ["${target}"] }]
`,
    );
    const proc = Bun.spawn([prometheus, `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], { stdout: "ignore", stderr: "pipe" });
    const query = async (q: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
      return ((await res.json()) as Json).data?.result as Json[] | undefined;
    };
    try {
      let up: Json[] | undefined;
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        up = await query('up{job="wirelab"}').catch(() => undefined);
        if (up?.[0]?.value?.[1] === "1") break;
        await Bun.sleep(500);
      }
      expect(up?.[0]?.value?.[1]).toBe("1");
      const targets = (await (await fetch(`http://127.0.0.1:${port}/api/v1/targets`)).json()) as Json;
      const active = targets.data.activeTargets as Json[];
      expect(active.map((t) => [t.health, t.lastError])).toEqual([["up", ""]]);
      const sent = await query('wirelab_packets_total{host="tx",protocol="udp",direction="tx"}');
      expect(Number(sent?.[0]?.value?.[1])).toBe(firstResult!.tx.udp.tx_packets);
    } finally {
      proc.kill("SIGTERM");
      await Promise.race([proc.exited, Bun.sleep(10_000).then(() => proc.kill("SIGKILL"))]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  test("a run on busy hosts is 409; DELETE stops a long run gracefully and its stream ends 'interrupted'", async () => {
    const res = await post({ tx: "tx", rx: "rx", protocol: "icmp", mode: "rate", pps: 200, duration: 120 });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const busy = await post({ tx: "rx", rx: "tx", protocol: "udp", mode: "rate", pps: 100, duration: 2 });
    expect(busy.status).toBe(409);
    expect((await busy.json()) as Json).toMatchObject({ status: 409, runId: id });

    // Follow it live until two ICMP samples from the sender, then stop it.
    const live = readEvents(await api(`/runs/${id}/events`), { timeoutMs: 90_000 });
    let txSamples = 0;
    for (let i = 0; i < 100 && txSamples < 2; i++) {
      await Bun.sleep(250);
      const run = (await (await api(`/runs/${id}`)).json()) as Json;
      expect(run.state).toBe("running");
      txSamples = (await (await api(`/runs/${id}/results/samples.jsonl`)).text()).split("\n").filter((l) => l.includes('"host":"tx"')).length;
    }
    expect(txSamples).toBeGreaterThanOrEqual(2);
    const t0 = Date.now();
    const del = await api(`/runs/${id}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await del.json()) as Json).toMatchObject({ id, state: "interrupted", active: false });

    const { events, closed } = await live;
    expect(closed).toBe(true);
    expect(events.slice(-2).map((e) => [e.event, e.data.state])).toEqual([["state", "interrupted"], ["summary", "interrupted"]]);
    const icmp = samples(events, "tx").map((s) => s.protocols.icmp);
    expect(icmp.length).toBeGreaterThanOrEqual(2);
    expect(icmp.at(-1)!.requests).toBeGreaterThan(0);
    expect(icmp.at(-1)!.answers_matched).toBeGreaterThan(0);

    const result = (await (await api(`/runs/${id}/results/results.json`)).json()) as TrafficResult;
    expect(result.state).toBe("interrupted");
    // Stopped gracefully: both engines exited and wrote their summaries, at least the last live counters.
    for (const h of result.hosts) expect(h.summary, h.host).toBeDefined();
    expect(result.tx.icmp.requests).toBeGreaterThanOrEqual(icmp.at(-1)!.requests);
    expect(((await (await api("/status")).json()) as Json).running).toEqual([]);

    // The hosts are free again, and nothing of the engines is left in the lab's namespaces.
    for (const h of served.lab.inventory.hosts) {
      const ns = h.transports.netns!.namespace;
      const pids = (await new Response(Bun.spawn(["ip", "netns", "pids", ns], { stdout: "pipe" }).stdout).text()).trim();
      expect(pids, ns).toBe("");
    }
  }, 120_000);

  test("a scenario preset started over the API runs every step on the lab, streamed to its verdicts", async () => {
    const res = await post({ scenario: "quick" });
    expect(res.status).toBe(202);
    const { id, scenario } = (await res.json()) as { id: string; scenario: string };
    expect(scenario).toBe("quick");
    // It holds every host of the lab.
    const busy = await post({ tx: "rx", rx: "tx", protocol: "udp", mode: "rate", pps: 100, duration: 1 });
    expect([busy.status, ((await busy.json()) as Json).runId]).toEqual([409, id]);

    const { events, closed } = await readEvents(await api(`/runs/${id}/events`), { timeoutMs: 150_000 });
    expect(closed).toBe(true);
    const summary = events.at(-1)!;
    expect(summary.event).toBe("summary");
    expect(summary.data.state, JSON.stringify(summary.data.verdicts)).toBe("passed");
    const verdicts = (summary.data.verdicts as { name: string; ok: boolean }[]).map((v) => v.name);
    for (const step of ["all-protocols/", "icmp-answers/", "udp-sweep@1000/", "udp-sweep@5000/", "udp-replay/"]) expect(verdicts.some((v) => v.startsWith(step)), step).toBe(true);
    // Samples of every step's engines reached the stream as they came.
    expect(samples(events, "tx").length).toBeGreaterThanOrEqual(5);
    expect(samples(events, "rx").length).toBeGreaterThanOrEqual(5);

    const result = (await (await api(`/runs/${id}/results/results.json`)).json()) as Json;
    expect(result.name).toBe("quick");
    expect(result.verdict).toBe("passed");
    expect((result.steps as Json[]).map((s) => s.name)).toEqual(["all-protocols", "icmp-answers", "udp-sweep", "udp-replay"]);
    // Each step and sweep rate is a segment of the one run.
    expect((result.segments as Json[]).map((g) => g.name)).toEqual(["all-protocols", "icmp-answers", "udp-sweep @ 1000 pps", "udp-sweep @ 5000 pps", "udp-replay"]);
    const run = (await (await api(`/runs/${id}`)).json()) as Json;
    expect([run.kind, run.state, run.spec.kind, run.spec.version, run.spec.settings.preset]).toEqual(["scenario", "passed", "scenario", 1, "quick"]);
  }, 180_000);

  test("the server's own output never carries the token", () => {
    const { out, err } = served.server.output();
    expect(out + err).not.toContain(TOKEN);
    expect(existsSync(TOKEN_FILE) && readFileSync(TOKEN_FILE, "utf8").trim()).toBe(TOKEN);
  });
});
