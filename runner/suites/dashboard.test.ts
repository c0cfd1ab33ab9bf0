// The dashboard in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core; no browser is downloaded) against the real server on a
// netns lab of this suite's own (dsh, on 198.18.43.0/24): the page follows a
// live run, its chart and rates grow with the engines' real counters, and its
// Stop button ends the run 'interrupted' in the store. Chromium missing is a
// failure with the reason, not a skip.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { createApp } from "../src/api/app.ts";
import { transportProbe } from "../src/api/host-reachability.ts";
import { RunEvents } from "../src/api/run-events.ts";
import { trafficRunner } from "../src/api/traffic-runner.ts";
import { startLab, type LabFixture } from "../src/lab-fixture.ts";
import { REPO_ROOT } from "../src/paths.ts";
import { readPng } from "../src/report/png-pixels.ts";
import { writeRunReports } from "../src/report/write-reports.ts";
import { RunStore } from "../src/store/run-store.ts";
import { ownTwoHostLab } from "./own-lab.ts";

const CHROMIUM = "/usr/bin/chromium";
const PPS = 300;
const work = mkdtempSync(join(tmpdir(), "wirelab-dashboard-"));
const LAB = ownTwoHostLab(work, "dsh", 43, "the dashboard suite's own two-host lab");
const TOKEN = "dashboard-token-" + crypto.randomUUID();
const SCREENSHOT = join(work, "dashboard.png");

let lab: LabFixture | undefined;
let store: RunStore | undefined;
let server: ReturnType<typeof Bun.serve> | undefined;
let context: BrowserContext | undefined;
const events = new RunEvents();
const runs: Promise<void>[] = [];
const savedInventory = process.env.WIRELAB_INVENTORY;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the dashboard is checked in Debian's headless Chromium (provision.sh --profile test installs it)`);
  delete process.env.WIRELAB_INVENTORY;
  lab = await startLab(LAB, { ssh: false });
  const inventory = lab.inventory;
  store = RunStore.open(join(work, "results", "wirelab.sqlite"));
  const run = trafficRunner(inventory);
  const app = createApp({
    store, token: TOKEN, inventory, events, resultsDir: join(work, "results"), probeHost: transportProbe(inventory),
    startRun: (req) => {
      const p = run(req);
      runs.push(p.then(() => undefined, () => undefined));
      return p;
    },
    onRunFinished: (id, dir) => writeRunReports(dir, store!, id),
  });
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch, idleTimeout: 60 });
  context = await chromium.launchPersistentContext(mkdtempSync(join(work, "profile-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
  });
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  events.closeAll();
  // A run still going (a failed assertion before Stop) is stopped through the API, then waited for.
  if (server) for (const r of store?.listRuns(10) ?? []) if (r.state === "running") await fetch(`${server.url}runs/${r.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${TOKEN}` } }).catch(() => undefined);
  await Promise.race([Promise.all(runs), Bun.sleep(30_000)]);
  await server?.stop(true);
  store?.close();
  await lab?.down();
  if (savedInventory !== undefined) process.env.WIRELAB_INVENTORY = savedInventory;
  rmSync(work, { recursive: true, force: true });
}, 120_000);

interface SeriesRow {
  key: string;
  rate: number;
  packets: number;
  points: number;
}

async function seriesRows(page: Page): Promise<SeriesRow[]> {
  return page.$$eval("#series tbody tr", (trs) =>
    trs.map((tr) => {
      const key = tr.getAttribute("data-series")!;
      const line = tr.ownerDocument.querySelector(`polyline[data-series="${key}"]`);
      return { key, rate: Number(tr.getAttribute("data-rate")), packets: Number(tr.getAttribute("data-packets")), points: Number(line?.getAttribute("data-points") ?? 0) };
    }),
  );
}

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > until) throw new Error(`dashboard: ${what}: still ${JSON.stringify(v)} after ${timeoutMs} ms`);
    await Bun.sleep(200);
    v = await read();
  }
  return v;
}

describe("dashboard in headless Chromium", () => {
  test("follows a live run's rates from the SSE stream, and its Stop button ends the run", async () => {
    const page = context!.pages()[0] ?? (await context!.newPage());
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    const base = String(server!.url).replace(/\/$/, "");

    await page.goto(`${base}/#token=${TOKEN}`);
    // The token leaves the address bar at once; the page shows the lab's hosts, reachable.
    expect(page.url()).toBe(`${base}/`);
    await waitFor("hosts reachable", () => page.$$eval("#hosts tbody tr", (trs) => trs.map((t) => `${t.getAttribute("data-host")}=${t.getAttribute("data-reachable")}`)), (v) => v.join() === "tx=true,rx=true");

    const res = await fetch(`${base}/runs`, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify({ tx: "tx", rx: "rx", protocol: "udp", mode: "rate", pps: PPS, duration: 60 }) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };

    // The page picks up the new run by itself and plots it as samples arrive.
    await waitFor("run followed", () => page.textContent("#run-id"), (v) => v === id);
    await waitFor("run state", () => page.textContent("#run-state"), (v) => v === "running");
    const early = await waitFor("first points", () => seriesRows(page), (rows) => rows.some((r) => r.key === "tx udp tx" && r.points >= 2));
    const later = await waitFor("more points", () => seriesRows(page), (rows) => rows.some((r) => r.key === "tx udp tx" && r.points >= early.find((e) => e.key === "tx udp tx")!.points + 2) && rows.some((r) => r.key === "rx udp rx" && r.points >= 2));
    const txRow = later.find((r) => r.key === "tx udp tx")!;
    const rxRow = later.find((r) => r.key === "rx udp rx")!;
    expect(txRow.packets).toBeGreaterThan(early.find((r) => r.key === "tx udp tx")!.packets);
    // The page's numbers are the engines' own counters: each is one the store recorded for that host and protocol.
    const recorded = (host: string, field: "tx_packets" | "rx_packets") => new Set(store!.samples(id).filter((s) => s.host === host && s.protocol === "udp").map((s) => s[field]));
    expect(recorded("tx", "tx_packets").has(txRow.packets)).toBe(true);
    expect(recorded("rx", "rx_packets").has(rxRow.packets)).toBe(true);
    // And the rate it shows is the rate asked of the sender, within what a shared 2-core machine keeps.
    expect(txRow.rate).toBeGreaterThan(PPS * 0.7);
    expect(txRow.rate).toBeLessThan(PPS * 1.3);
    expect(rxRow.rate).toBeGreaterThan(PPS * 0.6);
    expect(Number(await page.textContent("#points"))).toBeGreaterThanOrEqual(txRow.points + rxRow.points);
    expect(await page.$$eval("svg.chart", (svgs) => svgs.map((s) => s.getAttribute("data-host")).sort())).toEqual(["rx", "tx"]);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
    // The chart lines are painted, not only in the DOM: the first series' blue.
    expect(readPng(readFileSync(SCREENSHOT)).count([0x25, 0x63, 0xeb])).toBeGreaterThan(200);
    mkdirSync(join(REPO_ROOT, "results", "screenshots"), { recursive: true });
    copyFileSync(SCREENSHOT, join(REPO_ROOT, "results", "screenshots", "dashboard.png"));

    await page.click("#stop");
    await waitFor("state after Stop", () => page.textContent("#run-state"), (v) => v === "interrupted", 30_000);
    expect(store!.getRun(id)!.state).toBe("interrupted");
    await waitFor("results files listed", () => page.$$eval("#files button", (bs) => bs.map((b) => b.getAttribute("data-file"))), (v) => v.includes("results.json"));
    const result = JSON.parse(readFileSync(join(store!.getRun(id)!.dir, "results.json"), "utf8")) as { state: string; tx: { udp: { tx_packets: number } } };
    expect(result.state).toBe("interrupted");
    expect(result.tx.udp.tx_packets).toBeGreaterThanOrEqual(txRow.packets);

    // The token went in headers only: never in a URL the page asked for.
    expect(requests.length).toBeGreaterThan(3);
    for (const url of requests) expect(url).not.toContain(TOKEN);
    expect(requests.every((u) => u.startsWith(base))).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
