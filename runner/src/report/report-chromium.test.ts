// report.html opens in headless Chromium with its charts drawn. The
// screenshot is kept as a test artifact: results/screenshots/report.png.
// Chromium missing is a failure with the reason, not a skip: this check is
// part of how issue 5 is judged.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../paths.ts";
import { readPng } from "./png-pixels.ts";
import { benchFixture, filledStore, FIXTURE_RUN } from "./test-fixtures.ts";
import { writeReports } from "./write-reports.ts";

const SCREENSHOT = join(REPO_ROOT, "results", "screenshots", "report.png");
const { root, store, runDir } = filledStore();
benchFixture(join(runDir, "20260101-000100_xdp-bench"));
const html = join(writeReports(runDir, store, FIXTURE_RUN).dir, "report.html");
const profiles: string[] = [];
afterAll(() => {
  store.close();
  for (const d of [root, ...profiles]) rmSync(d, { recursive: true, force: true });
});

function chromiumPath(): string {
  const found = Bun.which("chromium") ?? Bun.which("chromium-browser") ?? (existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : null);
  if (!found) throw new Error("chromium is not installed: report.html must be checked in headless Chromium (apt-get install chromium; provision.sh --profile bench)");
  return found;
}

/** One headless Chromium run with a fresh profile and nothing that reaches the network; killed if it hangs. */
async function chromium(...args: string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), "wirelab-chromium-"));
  profiles.push(profile);
  const proc = Bun.spawn(
    [chromiumPath(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--window-size=1280,1600", ...args, `file://${html}`],
    { stdout: "pipe", stderr: "pipe" },
  );
  const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`chromium exited ${code}: ${err.trim().split("\n").at(-1)}`);
  return out;
}

describe("report.html in headless Chromium", () => {
  test("the DOM Chromium built has every chart with its series", async () => {
    const dom = await chromium("--dump-dom");
    for (const id of ["rate-tx", "rate-rx", "rtt", "rtt-final", "xdp-absorbed", "xdp-cost"]) expect(dom).toContain(`data-chart="${id}"`);
    expect((dom.match(/<svg class="chart"/g) ?? []).length).toBe(6);
    expect((dom.match(/class="series"/g) ?? []).length).toBe(6);
    expect((dom.match(/class="bar"/g) ?? []).length).toBe(8 + 2); // 4 points x 2 bench charts, RTT p50 and p99
  }, 90_000);

  test("the screenshot shows the charts painted in their colours", async () => {
    mkdirSync(join(REPO_ROOT, "results", "screenshots"), { recursive: true });
    rmSync(SCREENSHOT, { force: true });
    await chromium(`--screenshot=${SCREENSHOT}`);
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(30_000);
    const png = readPng(readFileSync(SCREENSHOT));
    expect([png.width, png.height]).toEqual([1280, 1600]);
    // Series colours (report-html.ts): tx blue, rx green, RTT p50 purple and p99 orange, baseline slate.
    expect(png.count([0x25, 0x63, 0xeb])).toBeGreaterThan(500);
    expect(png.count([0x16, 0xa3, 0x4a])).toBeGreaterThan(300);
    expect(png.count([0x93, 0x33, 0xea])).toBeGreaterThan(300);
    expect(png.count([0xea, 0x58, 0x0c])).toBeGreaterThan(300);
    expect(png.count([0x64, 0x74, 0x8b])).toBeGreaterThan(300);
  }, 90_000);
});
