// A lab touches only what it made. Two labs whose prefixes overlap (wlo and
// wlo-b: host `b-tx` of wlo would be namespace wlo-b-tx), and foreign objects
// named like wlo's (a namespace wlo-deadbeef with a process inside, a
// namespace wlo-rx, root veths wlo-gw and wlo-t0): `up` refuses, `down` leaves
// them alone, counted before and after. Then `lab up` killed at random points:
// `down` still removes everything it made. Everything here is on real
// namespaces; the foreign objects are made and removed by this file itself.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { namespaces, NetnsBackend, OwnershipError, pidsInNamespace } from "../../infra/src/netns-lab.ts";
// The one suite that reaches behind netns-lab.ts: it tests the backend's own lock, prefix registry and record.
import { tryLock } from "../../infra/src/netns/file-lock.ts";
import { REGISTRY_DIR } from "../../infra/src/netns/lab-registry.ts";
import { processStartTime, rootLinks } from "../../infra/src/netns/system.ts";
import { loadLab } from "../src/lab-files.ts";
import { BUN, REPO_ROOT } from "../src/paths.ts";
import { ownTwoHostLab } from "./own-lab.ts";

const work = mkdtempSync(join(tmpdir(), "wirelab-ownership-suite-"));
const state = join(work, "state");
const A = ownTwoHostLab(work, "wlo", 50, "ownership suite: the lab whose prefix is a prefix of wlo-b's");
const B = ownTwoHostLab(work, "wlo-b", 51, "ownership suite: the lab up while wlo is refused");
const C = ownTwoHostLab(work, "wlc", 52, "ownership suite: the lab whose up is killed");
// Another file that says `name: wlo-b`: another lab, whatever its name.
mkdirSync(join(work, "other"));
const SAME_NAME = join(work, "other", "wlo-b.yaml");
writeFileSync(SAME_NAME, "name: wlo-b\nprefix: wlq\nnetworks:\n  - name: br-test\n    subnet: 198.18.53.0/24\nhosts:\n  - { name: tx, role: tx }\n");

const backend = new NetnsBackend();
const opts = (file: string) => ({ stateDir: join(state, "labs", loadLab(file).lab.name), labFile: file });
const labOf = (file: string) => loadLab(file).lab;
const FOREIGN_NS = ["wlo-deadbeef", "wlo-rx"];
const FOREIGN_LINKS = ["wlo-gw", "wlo-t0"];
let foreignProcess: { pid: number; start: number } | undefined;

function sh(argv: string[]): void {
  const r = Bun.spawnSync(argv, { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.toString().trim()}`);
}

/** Everything on the machine named wlo…: namespaces, root links, processes in those namespaces (pid:start). */
function census() {
  const ns = [...namespaces()].filter((n) => n.startsWith("wlo")).sort();
  return {
    namespaces: ns,
    links: [...rootLinks()].filter((l) => l.startsWith("wlo")).sort(),
    processes: ns.flatMap((n) => pidsInNamespace(n).map((pid) => `${n}:${pid}:${processStartTime(pid)}`)).sort(),
  };
}

function cli(args: string[]) {
  const r = Bun.spawnSync([BUN, join(REPO_ROOT, "runner", "src", "cli.ts"), ...args], { env: { ...process.env, WIRELAB_STATE: state }, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

beforeAll(async () => {
  await backend.up(labOf(B), { ...opts(B), ssh: true });
  // Foreign objects, as a user, a pod runtime or another tool would make them.
  for (const ns of FOREIGN_NS) sh(["ip", "netns", "add", ns]);
  sh(["ip", "link", "add", "wlo-gw", "type", "veth", "peer", "name", "wlo-t0"]);
  const sleeper = Bun.spawn(["ip", "netns", "exec", "wlo-deadbeef", "sleep", "600"]);
  const deadline = Date.now() + 3000;
  while (pidsInNamespace("wlo-deadbeef").length === 0 && Date.now() < deadline) await Bun.sleep(20);
  foreignProcess = { pid: sleeper.pid, start: processStartTime(sleeper.pid)! };
  expect(pidsInNamespace("wlo-deadbeef")).toEqual([sleeper.pid]);
}, 30000);

afterAll(async () => {
  for (const file of [B, A, C]) await backend.down(labOf(file), opts(file)).catch(() => undefined);
  // The foreign objects are this file's: it removes them itself, by name and pid.
  if (foreignProcess && processStartTime(foreignProcess.pid) === foreignProcess.start) process.kill(foreignProcess.pid, "SIGKILL");
  for (const ns of FOREIGN_NS) Bun.spawnSync(["ip", "netns", "del", ns]);
  Bun.spawnSync(["ip", "link", "del", "wlo-gw"]);
  // A failed test may have left its labs half-owned: the prefixes wlo and wlc are this file's alone.
  for (const ns of namespaces()) if (/^(wlo|wlc)-/.test(ns)) Bun.spawnSync(["ip", "netns", "del", ns]);
  rmSync(work, { recursive: true, force: true });
}, 30000);

describe("two labs with overlapping prefixes, and foreign objects named like a lab's", () => {
  test("up of the lab whose prefix overlaps a running lab's is refused with one line naming that lab; nothing changes", async () => {
    const before = census();
    expect(before.namespaces).toEqual(["wlo-b-rx", "wlo-b-sw", "wlo-b-tx", "wlo-deadbeef", "wlo-rx"]);
    expect(before.links).toEqual(["wlo-b-gw", "wlo-gw", "wlo-t0"]);
    const r = cli(["lab", "up", "--lab", A]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `wirelab lab: prefix 'wlo' of lab 'wlo' overlaps the prefix of lab 'wlo-b' (prefix 'wlo-b', ${B}), which is up: their namespace names could collide; give one lab another prefix`,
    );
    await expect(backend.up(labOf(A), opts(A))).rejects.toThrow("overlaps the prefix of lab 'wlo-b'");
    expect(census()).toEqual(before);
    expect(existsSync(join(REGISTRY_DIR, "wlo.json"))).toBe(false);
  }, 30000);

  test("a lab name another lab file already uses is refused while that lab is up", async () => {
    const before = census();
    await expect(backend.up(labOf(SAME_NAME), opts(SAME_NAME))).rejects.toThrow(`lab name 'wlo-b' is already used by ${B} (lab id `);
    await expect(backend.down(labOf(SAME_NAME), opts(SAME_NAME))).rejects.toThrow("lab name 'wlo-b' is already used by");
    expect(census()).toEqual(before);
    expect((await backend.status(labOf(B), opts(B))).state).toBe("up");
  }, 30000);

  test("down of the overlapping lab leaves the running lab and every foreign object alone, saying what and why", async () => {
    const before = census();
    const report = await backend.down(labOf(A), opts(A));
    expect(report.removed).toEqual([]);
    expect(report.processesStopped).toEqual([]);
    expect(report.leftAlone).toEqual([
      expect.stringMatching(/^netns wlo-b-rx: carries another lab's mark \(wirelab:[0-9a-f]{12}\); left alone$/),
      expect.stringMatching(/^netns wlo-b-sw: carries another lab's mark/),
      expect.stringMatching(/^netns wlo-b-tx: carries another lab's mark/),
      "netns wlo-deadbeef: not made by this lab (no wirelab mark, not in its record); left alone",
      "link wlo-gw: not made by this lab (no wirelab mark, not in its record); left alone",
      "netns wlo-rx: not made by this lab (no wirelab mark, not in its record); left alone",
    ]);
    expect(census()).toEqual(before);
    expect(processStartTime(foreignProcess!.pid)).toBe(foreignProcess!.start);
    expect((await backend.status(labOf(B), opts(B))).state).toBe("up");
    // The command line prints the same, one line per object.
    const r = cli(["lab", "down", "--lab", A]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("removed 0 objects");
    expect(r.stdout).toContain("  netns wlo-deadbeef: not made by this lab (no wirelab mark, not in its record); left alone");
    expect(census()).toEqual(before);
  }, 30000);

  test("down of the running lab removes exactly its objects and processes; the foreign ones stay, their process alive", async () => {
    const before = census();
    const sshd = before.processes.filter((p) => p.startsWith("wlo-b-")).length;
    expect(sshd).toBe(2);
    const report = await backend.down(labOf(B), opts(B));
    expect(report.removed.sort()).toEqual(["link wlo-b-gw", "netns wlo-b-rx", "netns wlo-b-sw", "netns wlo-b-tx"]);
    expect(report.processesStopped.length).toBe(2);
    const after = census();
    expect(after.namespaces).toEqual(before.namespaces.filter((n) => !n.startsWith("wlo-b-")));
    expect(after.links).toEqual(["wlo-gw", "wlo-t0"]);
    expect(after.processes).toEqual(before.processes.filter((p) => !p.startsWith("wlo-b-")));
    expect(processStartTime(foreignProcess!.pid)).toBe(foreignProcess!.start);
    expect(existsSync(join(REGISTRY_DIR, "wlo-b.json"))).toBe(false);
  }, 30000);

  test("with the other lab gone, up still refuses the names that exist and are not its own, one line each", async () => {
    const before = census();
    const err = await backend.up(labOf(A), opts(A)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OwnershipError);
    const e = err as OwnershipError;
    expect(e.summary).toBe("lab 'wlo' not brought up: link wlo-gw, netns wlo-rx exist and are not its own");
    expect(e.lines).toEqual([
      "link wlo-gw: not made by this lab (no wirelab mark, not in its record); not adopted",
      "netns wlo-rx: not made by this lab (no wirelab mark, not in its record); not adopted",
    ]);
    const r = cli(["lab", "up", "--lab", A]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([`wirelab lab: ${e.summary}`, ...e.lines.map((l) => `  ${l}`)]);
    // Refused before making anything: nothing made, no claim on the prefix, no record left.
    expect(census()).toEqual(before);
    expect(existsSync(join(REGISTRY_DIR, "wlo.json"))).toBe(false);
    expect(existsSync(join(opts(A).stateDir, "objects.json"))).toBe(false);
  }, 30000);
});

describe("the lab lock", () => {
  test("two `lab up` at once: one builds, the other gets one line naming the holder, never a half-made lab or a raw error", async () => {
    const ups = [0, 1].map(() =>
      Bun.spawn([BUN, join(REPO_ROOT, "runner", "src", "cli.ts"), "lab", "up", "--lab", C], { env: { ...process.env, WIRELAB_STATE: state }, stdout: "pipe", stderr: "pipe" }),
    );
    const outcomes = await Promise.all(ups.map(async (p) => ({ code: await p.exited, stderr: (await new Response(p.stderr).text()).trim() })));
    for (const o of outcomes.filter((x) => x.code !== 0)) {
      expect(o.stderr).toMatch(/^wirelab lab: another wirelab process \(pid \d+\) is bringing lab 'wlc' up or down; wait for it or end it$/);
    }
    expect(outcomes.some((o) => o.code === 0)).toBe(true);
    expect((await backend.status(labOf(C), opts(C))).state).toBe("up");
    // Held by a live process (this one), the lock refuses in-process callers the same way.
    const held = tryLock(join(opts(C).stateDir, "lock"));
    try {
      await expect(backend.down(labOf(C), opts(C))).rejects.toThrow(`another wirelab process (pid ${process.pid}) is bringing lab 'wlc' up or down`);
    } finally {
      if ("release" in held) held.release();
    }
    await backend.down(labOf(C), opts(C));
    expect([...namespaces()].filter((n) => n.startsWith("wlc-"))).toEqual([]);
  }, 60000);
});

describe("down after a crash", () => {
  const wlc = () => ({
    namespaces: [...namespaces()].filter((n) => n.startsWith("wlc-")),
    links: [...rootLinks()].filter((l) => l.startsWith("wlc-")),
    sshd: Bun.spawnSync(["pgrep", "-f", join(state, "labs", "wlc")]).stdout.toString().trim(),
  });
  const nothing = { namespaces: [], links: [], sshd: "" };

  test("lab up killed at points along the way: down removes everything it made, and nothing foreign", async () => {
    const foreign = census();
    const seen = new Set<string>();
    const startUp = () => Bun.spawn([BUN, join(REPO_ROOT, "runner", "src", "cli.ts"), "lab", "up", "--ssh", "--lab", C], { env: { ...process.env, WIRELAB_STATE: state }, stdout: "ignore", stderr: "ignore" });
    // Kills spread over what one whole `lab up` takes on this machine now (process start included).
    const t0 = performance.now();
    expect(await startUp().exited).toBe(0);
    const whole = performance.now() - t0;
    await backend.down(labOf(C), opts(C));
    for (const fraction of [0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]) {
      const up = startUp();
      await Bun.sleep(whole * fraction);
      up.kill("SIGKILL");
      await up.exited;
      // What the killed up had made by then (its `ip` may still be finishing a batch).
      await Bun.sleep(100);
      const made = wlc();
      seen.add(`${made.namespaces.length} namespaces, ${made.links.length} links, sshd ${made.sshd ? "yes" : "no"}`);
      await backend.down(labOf(C), opts(C));
      expect(wlc()).toEqual(nothing);
      expect(existsSync(join(REGISTRY_DIR, "wlc.json"))).toBe(false);
    }
    // Some kills landed after the work had begun (not all before it).
    expect([...seen].some((s) => !s.startsWith("0 namespaces"))).toBe(true);
    expect(census()).toEqual(foreign);
  }, 60000);

  test("half made (a host namespace gone, no inventory): down removes the rest", async () => {
    await backend.up(labOf(C), opts(C));
    sh(["ip", "netns", "del", "wlc-rx"]);
    rmSync(join(opts(C).stateDir, "inventory.json"));
    expect(wlc().namespaces.sort()).toEqual(["wlc-sw", "wlc-tx"]);
    const report = await backend.down(labOf(C), opts(C));
    expect(report.removed.sort()).toEqual(["link wlc-gw", "netns wlc-sw", "netns wlc-tx"]);
    expect(wlc()).toEqual(nothing);
    expect(readdirSync(opts(C).stateDir)).not.toContain("objects.json");
  }, 30000);
});
