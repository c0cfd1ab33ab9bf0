// Link impairments on a lab whose hosts are reached over SSH (VMs, metal):
// the CLI, the API and a scenario step all go through impair/control.ts's SSH
// control, which runs netem in each host's own kernel. Here the hosts are the
// namespaces of a netns lab of this suite's own with their real sshd, seen
// through a copy of its inventory that says `metal`, so nothing takes the
// netns backend's switch-namespace path. Where this machine's kernel has
// sch_netem the impairment must be applied and read back; where it has not
// (our CI machines), every entry point must refuse in one line naming the
// host and why, and touch nothing. The VM suite (infra/pulumi/lab.vm.test.ts)
// measures netem's effect on VMs, whose kernels have it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Inventory } from "../../infra/src/inventory.ts";
import { auth, testApp } from "../src/api/test-app.ts";
import { controlFor } from "../src/impair/control.ts";
import { startLab, type LabFixture } from "../src/lab-fixture.ts";
import { loadLab } from "../src/lab-files.ts";
import { BUN, REPO_ROOT } from "../src/paths.ts";
import { setStepImpairments } from "../src/scenario/impair-step.ts";
import { ownTwoHostLab } from "./own-lab.ts";

const work = mkdtempSync(join(tmpdir(), "wirelab-impair-ssh-"));
const FILE = ownTwoHostLab(work, "ims", 73, "the impairments-over-SSH suite's own lab");
const lab = loadLab(FILE).lab;
const METAL_INVENTORY = join(work, "metal-inventory.json");

// The kernel the namespaces share is this machine's: whether it has netem decides what every test expects.
const netem = spawnSync("unshare", ["-n", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"]).status === 0;

let fixture: LabFixture | undefined;
let metal: Inventory;

beforeAll(async () => {
  delete process.env.WIRELAB_INVENTORY;
  fixture = await startLab(FILE, { ssh: true });
  metal = { ...fixture.inventory, backend: "metal" };
  writeFileSync(METAL_INVENTORY, JSON.stringify(metal, null, 2));
}, 90_000);

afterAll(async () => {
  await fixture?.down();
  rmSync(work, { recursive: true, force: true });
}, 90_000);

/** The qdiscs on a host's test interface and the ifbs in its namespace: what an impairment leaves. */
function kernelState(host: string): string[] {
  const ns = lab.hosts.find((h) => h.name === host)!.namespace;
  const q = spawnSync("ip", ["netns", "exec", ns, "tc", "-j", "qdisc", "show", "dev", "eth1"], { encoding: "utf8" });
  const kinds = (JSON.parse(q.stdout || "[]") as { kind: string }[]).map((x) => x.kind).filter((k) => k === "netem" || k === "ingress");
  const ifb = spawnSync("ip", ["netns", "exec", ns, "ip", "-o", "link", "show", "type", "ifb"], { encoding: "utf8" }).stdout.trim();
  return [...kinds.map((k) => `${k} on eth1`), ...(ifb ? [`ifb: ${ifb.split(":")[1]?.trim()}`] : [])];
}

describe(`impairments over SSH (this kernel ${netem ? "has" : "has no"} sch_netem)`, () => {
  test("the SSH control asks each host's kernel for its path", async () => {
    const choice = await controlFor(metal, lab).path();
    if (netem) expect(choice.path).toBe("netem");
    else {
      expect(choice.path).toBeUndefined();
      expect(choice.why).toMatch(/^tx: no sch_netem in its kernel/);
    }
  }, 30_000);

  test("POST /lab/impairments on a metal inventory: netem on tx's egress, or a one-line 400 naming the host", async () => {
    const t = testApp({ inventory: metal });
    try {
      const res = await t.app.request("/lab/impairments", {
        method: "POST",
        headers: { ...auth, "Content-Type": "application/json" },
        body: JSON.stringify({ host: "tx", loss: "5%" }),
      });
      const body = (await res.json()) as Record<string, any>;
      if (netem) {
        expect(res.status).toBe(200);
        expect(body.path).toBe("netem");
        expect(body.points[0].applied).toContain("loss");
        expect(kernelState("tx")).toEqual(["netem on eth1"]);
        const del = await t.app.request("/lab/impairments", { method: "DELETE", headers: auth });
        expect(del.status).toBe(200);
      } else {
        expect(res.status).toBe(400);
        expect(body.error).toMatch(/^tx eth1 egress: no impairment path on this machine: tx: no sch_netem in its kernel/);
        expect(body.error).not.toContain("\n");
      }
      expect(kernelState("tx")).toEqual([]);
    } finally {
      t.cleanup();
    }
  }, 60_000);

  test("`lab impair --inventory` on a metal inventory: netem on rx's ingress via an ifb, or exit 1 with one line", () => {
    const cli = (...args: string[]) => spawnSync(BUN, [join(REPO_ROOT, "runner/src/cli.ts"), "lab", "impair", "--inventory", METAL_INVENTORY, ...args], { encoding: "utf8" });
    const set = cli("--host", "rx", "--dir", "ingress", "--duplicate", "2%", "--json");
    if (netem) {
      expect(set.status).toBe(0);
      const out = JSON.parse(set.stdout) as { path: string; points: { applied: string }[] };
      expect(out.path).toBe("netem");
      expect(out.points[0]!.applied).toContain("duplicate");
      expect(kernelState("rx").sort()).toEqual(["ifb: wlifb-eth1", "ingress on eth1"]);
      expect(cli("--clear").status).toBe(0);
    } else {
      expect(set.status).toBe(1);
      const lines = set.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/lab impair rx eth1 ingress: rx: no sch_netem in its kernel/);
    }
    expect(kernelState("rx")).toEqual([]);
  }, 60_000);

  test("a scenario step's impair: on a metal inventory: applied then put back, or refused naming the step", async () => {
    const items = [{ where: { host: "tx" }, spec: { delay: 5 } }];
    if (netem) {
      const step = await setStepImpairments(FILE, metal, items, 0);
      expect(step.points[0]!.applied).toContain("delay");
      expect(kernelState("tx")).toEqual(["netem on eth1"]);
      await step.restore();
    } else {
      await expect(setStepImpairments(FILE, metal, items, 0)).rejects.toThrow(/^steps\[0\]\.impair\[0\]: tx: no sch_netem in its kernel/);
    }
    expect(kernelState("tx")).toEqual([]);
  }, 60_000);
});
