// /lab/impairments in-process: the app with a control over a real lab model
// that records what it was asked to apply (the kernel side is the suite's:
// runner/suites/impairments.test.ts).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImpairPath } from "../../../infra/src/impair-paths.ts";
import type { ImpairPoint } from "../../../infra/src/impair-points.ts";
import { describeImpairment } from "../../../infra/src/impair-spec.ts";
import { loadLab } from "../lab-files.ts";
import type { ImpairmentControl } from "../impair/control.ts";
import { auth, testApp } from "./test-app.ts";

type Json = Record<string, any>;
const dir = mkdtempSync(join(tmpdir(), "wirelab-api-impair-"));
const LAB = join(dir, "apit.yaml");
writeFileSync(LAB, "name: apit\nnetworks:\n  - { name: br-test, subnet: 198.18.62.0/24 }\nhosts:\n  - { name: tx, role: tx }\n  - { name: rx, role: rx }\n  - { name: rx2, role: rx }\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A control on the lab model that keeps what it was asked, as the kernel would hold it. */
function recording(path: ImpairPath | null, fail?: string) {
  const lab = loadLab(LAB).lab;
  const held = new Map<string, ImpairPoint>();
  const calls: ImpairPoint[][] = [];
  let inFlight = 0;
  let overlapped = false;
  const control: ImpairmentControl = {
    lab,
    where: "a map in this test",
    path: async () => (path ? { path, why: path === "tc-bpf" ? "no sch_netem in this kernel" : "the kernel has sch_netem" } : { why: "no sch_netem in this kernel; and build/xdp/impair.bpf.o is not built (bun run build)" }),
    read: async () => [...held.values()].map((p) => ({ host: p.host, ifname: p.ifname, direction: p.direction, applied: describeImpairment(p.spec), objects: [] })),
    apply: async (points) => {
      inFlight++;
      overlapped ||= inFlight > 1;
      calls.push([...points]);
      await Bun.sleep(20);
      inFlight--;
      if (fail) throw new Error(fail);
      for (const p of points) {
        const key = `${p.host} ${p.ifname} ${p.direction}`;
        if (describeImpairment(p.spec) === "none") held.delete(key);
        else held.set(key, p);
      }
      return { path: path!, points: points.map((p) => ({ host: p.host, ifname: p.ifname, direction: p.direction, asked: describeImpairment(p.spec), applied: describeImpairment(p.spec), objects: [] })) };
    },
  };
  return { control, calls, overlapped: () => overlapped };
}

function setup(path: ImpairPath | null = "tc-bpf", fail?: string) {
  const rec = recording(path, fail);
  const t = testApp({ impairments: rec.control });
  afterAll(t.cleanup);
  const post = (body: unknown, headers: Record<string, string> = { ...auth, "Content-Type": "application/json" }) =>
    t.app.request("/lab/impairments", { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { ...rec, t, post };
}

describe("POST /lab/impairments", () => {
  const s = setup();

  test("sets a host's egress in lab-file words and answers what was applied", async () => {
    const res = await s.post({ host: "tx", loss: "5%", rate: "10mbit" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body).toEqual({ lab: "apit", path: "tc-bpf", points: [{ host: "tx", ifname: "eth1", direction: "egress", asked: "loss 5% rate 10mbit", applied: "loss 5% rate 10mbit", objects: [] }] });
    expect(s.calls.at(-1)!.map((p) => [p.host, p.ifname, p.direction, p.spec])).toEqual([["tx", "eth1", "egress", { loss: 5, rate: 10_000_000 }]]);
  });

  test("a direction alias, Gilbert-Elliott bursts, numbers as percent", async () => {
    expect((await s.post({ host: "rx", dir: "rx", loss: { p: "1%", r: 30 }, duplicate: 2 })).status).toBe(200);
    expect(s.calls.at(-1)![0]).toMatchObject({ host: "rx", direction: "ingress", spec: { lossBursts: { p: 1, r: 30, bad: 100, good: 0 }, duplicate: 2 } });
  });

  test("a network: every interface on it, ingress", async () => {
    expect((await s.post({ network: "br-test", corrupt: "0.5%" })).status).toBe(200);
    expect(s.calls.at(-1)!.map((p) => `${p.host} ${p.direction}`)).toEqual(["tx ingress", "rx ingress", "rx2 ingress"]);
  });

  test("400s name the field, and the kernel is never asked", async () => {
    const before = s.calls.length;
    const cases: [unknown, string][] = [
      [{ host: "tx", lose: "5%" }, "lose: unknown field"],
      [{ host: "tx", loss: "abc" }, "loss: 'abc' is not a percentage (like 1%, 0.5% or 30)"],
      [{ host: "tx", loss: 101 }, "loss: 101 is more than 100%"],
      [{ host: "tx", loss: -1 }, "loss: '-1' is not a percentage"],
      [{ host: "tx", loss: { p: "1%" } }, "loss.r: is required (bad -> good probability, e.g. 30%)"],
      [{ host: "tx", loss: [1] }, "loss: Invalid input"],
      [{ host: "tx", delay: 5, reorder: { percent: "5%", gap: 0 } }, "reorder.gap: '0' must be a whole number of packets, at least 1"],
      [{ host: "tx", corrupt: true }, "corrupt: Invalid input"],
      [{ host: "tx", jitter: "1ms" }, "jitter: jitter varies a delay: set delay too"],
      [{ host: "tx", rate: "fast" }, "rate: 'fast' is not a rate (like 10mbit, 512kbit, 1gbit, or a number of bit/s)"],
      [{ host: "nope", loss: 1 }, "host: lab 'apit' has no host 'nope' (hosts: tx, rx, rx2)"],
      [{ host: "tx", iface: "eth2", loss: 1 }, "iface: host 'tx' has no test interface 'eth2' (it has eth1)"],
      [{ host: "tx", dir: "up", loss: 1 }, "dir: Invalid option: expected one of \"egress\"|\"tx\"|\"ingress\"|\"rx\""],
      [{ network: "br-test", dir: "rx", loss: 1 }, "dir: goes with host, not network (a network's impairment is what its interfaces receive)"],
      [{ network: "seg-x", loss: 1 }, "network: lab 'apit' has no network 'seg-x' (networks: br-test)"],
      [{ loss: 1 }, "host: say where: a host (with iface and direction) or a network"],
      [{ host: "tx" }, "body: give at least one impairment (loss, corrupt, duplicate, reorder, delay, jitter, rate); DELETE clears one"],
      [[{ host: "tx", loss: 1 }], "body: must be a JSON object"],
      ["{not json", "body: not valid JSON"],
    ];
    for (const [body, error] of cases) {
      const res = await s.post(body);
      const got = (await res.json()) as Json;
      expect([res.status, got.error.startsWith(error) ? error : got.error]).toEqual([400, error]);
    }
    expect(s.calls.length).toBe(before);
  });

  test("an impairment the path cannot do is a one-line 400 naming it", async () => {
    const before = s.calls.length;
    const res = await s.post({ host: "tx", loss: "1%", delay: "10ms", jitter: "2ms" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error).toBe("tx eth1 egress: delay is not possible on this machine: the tc-bpf path does loss, corrupt, duplicate, rate (no sch_netem in this kernel), not delay");
    const reorder = await s.post({ network: "br-test", delay: 5, reorder: "10%" });
    expect(((await reorder.json()) as Json).error).toStartWith("tx eth1 ingress: reorder is not possible on this machine");
    expect(s.calls.length).toBe(before);
  });

  test("Content-Type must be JSON; the token is required", async () => {
    expect((await s.post({ host: "tx", loss: 1 }, { ...auth, "Content-Type": "text/plain" })).status).toBe(415);
    expect((await s.post({ host: "tx", loss: 1 }, { "Content-Type": "application/json" })).status).toBe(401);
    expect((await s.t.app.request("/lab/impairments")).status).toBe(401);
  });

  test("requests at once are applied one after the other", async () => {
    const all = await Promise.all(["1%", "2%", "3%", "4%"].map((loss) => s.post({ host: "tx", loss })));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(s.overlapped()).toBe(false);
  });
});

describe("GET and DELETE /lab/impairments", () => {
  const s = setup();

  test("GET shows the path and what the kernel holds", async () => {
    await s.post({ host: "tx", loss: "5%" });
    await s.post({ host: "rx", dir: "ingress", duplicate: "1%" });
    const res = await s.t.app.request("/lab/impairments", { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.path).toBe("tc-bpf");
    expect(body.why).toBe("no sch_netem in this kernel");
    expect(body.points.map((p: Json) => `${p.host} ${p.direction}: ${p.applied}`)).toEqual(["tx egress: loss 5%", "rx ingress: duplicate 1%"]);
  });

  test("DELETE with where clears that point; without, every one", async () => {
    const del = (q = "") => s.t.app.request(`/lab/impairments${q}`, { method: "DELETE", headers: auth });
    const one = await del("?host=rx&dir=rx");
    expect(one.status).toBe(200);
    expect(((await one.json()) as Json).points).toEqual([{ host: "rx", ifname: "eth1", direction: "ingress", asked: "none", applied: "none", objects: [] }]);
    await s.post({ host: "rx2", corrupt: 1 });
    const all = await del();
    expect(((await all.json()) as Json).points.map((p: Json) => `${p.host} ${p.direction} ${p.applied}`)).toEqual(["tx egress none", "rx2 egress none"]);
    const shown = (await (await s.t.app.request("/lab/impairments", { headers: auth })).json()) as Json;
    expect(shown.points).toEqual([]);
    for (const [q, error] of [["?hots=tx", "hots: unknown query parameter (host, iface, dir, network)"], ["?host=tx&dir=toString", "dir: 'toString' is not one of egress, tx, ingress, rx"], ["?host=zz", "host: lab 'apit' has no host 'zz'"]]) {
      const res = await del(q);
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).error).toStartWith(error!);
    }
  });
});

describe("other paths and failures", () => {
  test("on the netem path delay, jitter and reorder are taken", async () => {
    const s = setup("netem");
    const res = await s.post({ host: "tx", delay: "20ms", jitter: "5ms", distribution: "normal", reorder: { percent: "10%", gap: 5 } });
    expect(res.status).toBe(200);
    expect(s.calls[0]![0]!.spec).toEqual({ delay: 20, jitter: 5, distribution: "normal", reorder: { percent: 10, gap: 5 } });
  });

  test("a machine with no path says why, in one line", async () => {
    const s = setup(null);
    const res = await s.post({ host: "tx", loss: 1 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error).toBe("tx eth1 egress: no impairment path on this machine: no sch_netem in this kernel; and build/xdp/impair.bpf.o is not built (bun run build)");
  });

  test("the kernel's refusal is a 500 with its line", async () => {
    const s = setup("tc-bpf", "setting tbf on apit-b0i0 failed: RTNETLINK answers: Invalid argument");
    const res = await s.post({ host: "tx", rate: "10mbit" });
    expect(res.status).toBe(500);
    expect(((await res.json()) as Json).error).toBe("impairments: setting tbf on apit-b0i0 failed: RTNETLINK answers: Invalid argument");
  });

  test("a libvirt lab whose inventory names no lab file answers 503 saying so", async () => {
    const t = testApp();
    const res = await t.app.request("/lab/impairments", { headers: auth });
    expect(res.status).toBe(503);
    expect(((await res.json()) as Json).error).toBe("impairments: lab 'api-test': inventory of lab 'api-test' names no lab file: pass the libvirt lab's inventory written by 'pulumi stack output'");
    const post = await t.app.request("/lab/impairments", { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: "{}" });
    expect(post.status).toBe(503);
    t.cleanup();
  });
});
