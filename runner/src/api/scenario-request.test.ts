// POST /runs {"scenario": PRESET}: presets only, checked against the lab's
// hosts, one 400 naming the field; a scenario run holds every host.
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunOutcome, StartScenarioRequest } from "./app.ts";
import { ApiError } from "./errors.ts";
import { parseScenarioRequest, scenarioPresets } from "./scenario-request.ts";
import { auth, fixtureInventory, postRun, testApp } from "./test-app.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function presetDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wirelab-presets-"));
  dirs.push(dir);
  writeFileSync(join(dir, "pair.yaml"), "name: pair\nlab: two-host\nsteps:\n  - name: udp\n    flows:\n      - { tx: tx, rx: rx, protocol: udp, mode: rate, pps: 100, duration: 1 }\n");
  writeFileSync(join(dir, "dut.yaml"), "name: dut\nlab: dut\nsteps:\n  - name: via\n    flows:\n      - { tx: src, rx: sink, protocol: udp, mode: rate, pps: 100, duration: 1 }\n");
  return dir;
}

const status400 = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return (err as Error).message;
  }
  throw new Error("no error");
};

test("a preset is read and checked against the lab's hosts", () => {
  const dir = presetDir();
  expect(scenarioPresets(dir)).toEqual(["dut", "pair"]);
  expect(parseScenarioRequest({ scenario: "pair" }, ["tx", "rx"], dir)).toMatchObject({ preset: "pair", name: "pair", file: join(dir, "pair.yaml"), scenario: { name: "pair" } });
  // The repository's own presets are what a server offers.
  expect(scenarioPresets()).toEqual(expect.arrayContaining(["quick", "performance", "stress", "dut-forwarding"]));
});

test("bad requests: one 400 naming the field, never a path on the server", () => {
  const dir = presetDir();
  expect(status400(() => parseScenarioRequest({ scenario: "nope" }, ["tx", "rx"], dir))).toBe("scenario: no preset 'nope' (presets: dut, pair)");
  for (const bad of ["../etc/passwd", "/tmp/x.yaml", "Quick", "", "a".repeat(65)]) {
    expect(status400(() => parseScenarioRequest({ scenario: bad }, ["tx", "rx"], dir))).toStartWith("scenario: must be a preset name");
  }
  expect(status400(() => parseScenarioRequest({ scenario: 7 }, ["tx", "rx"], dir))).toStartWith("scenario: ");
  expect(status400(() => parseScenarioRequest({ scenario: "pair", tx: "tx" }, ["tx", "rx"], dir))).toBe("tx: unknown field (a scenario run takes only 'scenario')");
  // A preset made for another lab says which host this lab lacks.
  expect(status400(() => parseScenarioRequest({ scenario: "dut" }, ["tx", "rx"], dir))).toMatch(/^scenario: .*dut\.yaml.*steps\[0\]\.flows\[0\]\.tx.*no host 'src'/);
});

function fakeScenarios() {
  const calls: StartScenarioRequest[] = [];
  const enders = new Map<string, (o: RunOutcome) => void>();
  return {
    calls,
    finish: (id: string, outcome: RunOutcome) => enders.get(id)?.(outcome),
    startScenario: (req: StartScenarioRequest) => {
      calls.push(req);
      return new Promise<RunOutcome>((resolve) => {
        enders.set(req.run.id, resolve);
        req.signal.addEventListener("abort", () => resolve({ state: "interrupted", reason: "stopped through the API" }), { once: true });
      });
    },
  };
}

test("POST /runs {scenario}: 202, a scenario row, every host held (a traffic run gets 409), DELETE stops it", async () => {
  const scen = fakeScenarios();
  const t = testApp({ startScenario: scen.startScenario });
  try {
    const res = await postRun(t.app, { scenario: "quick" });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; state: string; scenario: string };
    expect(body).toMatchObject({ state: "running", scenario: "quick" });
    expect(body.id).toContain("-scenario-quick-");
    expect(scen.calls.map((c) => c.request.preset)).toEqual(["quick"]);
    const row = t.store.getRun(body.id)!;
    expect([row.kind, row.name, row.state]).toEqual(["scenario", "scenario quick", "running"]);
    expect(row.spec).toMatchObject({ kind: "scenario", version: 1, settings: { preset: "quick", scenario: { name: "quick" } } });

    // quick uses tx and rx only, but monitors every host: tx2/rx2 are held too.
    const busy = await postRun(t.app, { tx: "tx2", rx: "rx2", protocol: "udp", mode: "rate", pps: 10, duration: 1 });
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ runId: body.id });
    const status = (await (await t.app.request("/status", { headers: auth })).json()) as { busyHosts: string[] };
    expect(status.busyHosts.sort()).toEqual(["rx", "rx2", "tx", "tx2"]);

    const stopped = await t.app.request(`/runs/${body.id}`, { method: "DELETE", headers: auth });
    expect(stopped.status).toBe(200);
    expect(await stopped.json()).toMatchObject({ state: "interrupted", kind: "scenario" });
    // Hosts are free again.
    expect((await postRun(t.app, { tx: "tx2", rx: "rx2", protocol: "udp", mode: "rate", pps: 10, duration: 1 })).status).toBe(202);
  } finally {
    t.cleanup();
  }
});

test("POST /runs {scenario}: 400 for a preset this lab cannot run, 503 on a server without scenario runs", async () => {
  const scen = fakeScenarios();
  // A lab without tx and rx, which every preset sends between.
  const inv = fixtureInventory();
  const t = testApp({ startScenario: scen.startScenario, inventory: { ...inv, hosts: inv.hosts.filter((h) => h.name.endsWith("2")) } });
  const plain = testApp();
  try {
    const wrong = await postRun(t.app, { scenario: "quick" });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/^scenario: .*no host/);
    expect((await postRun(plain.app, { scenario: "quick" })).status).toBe(503);
    expect(scen.calls).toHaveLength(0);
  } finally {
    t.cleanup();
    plain.cleanup();
  }
});
