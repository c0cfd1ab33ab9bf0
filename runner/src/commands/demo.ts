// `wirelab demo`: the README's main job. Brings up the two-host lab with sshd,
// checks reachability both ways over br-test through both transports, runs
// traffic in every protocol through the DPDK engine, tears the lab down, runs
// the XDP-vs-baseline comparison on xdp-pair, and writes one report.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { inventoryHost } from "../../../infra/src/inventory.ts";
import { NetnsBackend } from "../../../infra/src/netns-lab.ts";
import { parseCommandArgs } from "../cli-args.ts";
import { loadLab } from "../lab-files.ts";
import { BUN, labStateDir, REPO_ROOT } from "../paths.ts";
import { provenance } from "../provenance.ts";
import { writeRunReports } from "../report/write-reports.ts";
import { RunStore } from "../store/run-store.ts";
import { ensureProvisioned } from "../setup.ts";
import { transportFor } from "../transport/index.ts";
import type { Transport } from "../transport/transport.ts";
import { PROTOCOLS, type Protocol } from "../traffic/engine-output.ts";
import type { IpVersion } from "../traffic/breakdown.ts";
import type { Inventory } from "../../../infra/src/inventory.ts";
import { startLab, type LabFixture } from "../lab-fixture.ts";
import { runTraffic } from "../traffic/run-traffic.ts";
import { buildAll } from "./build.ts";
import { newRunId, runStamp } from "../store/run-id.ts";

/** What the engine sends over IPv6 today (TCP and DNS over IPv6 are on their way). */
const IPV6_PROTOCOLS = ["icmp", "udp"] as const satisfies readonly Protocol[];
const hasIpv6 = (inv: Inventory) => inv.hosts.every((h) => h.interfaces[0]?.ipv6);

interface Step {
  readonly step: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail: string;
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { lab: { type: "string" }, "no-xdp": { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } }, false);
  if (values.help) {
    console.log(`Usage: bun run demo [--lab FILE|NAME] [--json]

The main job, end to end on this machine (root): installs what is missing,
builds the C parts, brings up the lab (default two-host) with an OpenSSH
server in every host, checks that every host reaches every other over the
test network through both transports (netns and SSH), runs traffic in every
protocol (eth, arp, icmp, udp, tcp, dns) through the DPDK engine, then ICMPv6
and UDP over IPv6 (on the lab itself when it is dual stack, else on the
dual-stack lab), tears the labs down, runs the XDP-vs-baseline comparison (xdp bench --preset quick) on
the xdp-pair lab, and writes results/<time>_demo/report.html (charts, totals,
verdicts, XDP bars) with results.json, .csv, .md and junit.xml beside it.

  --no-xdp   skip the XDP comparison`);
    return 0;
  }
  const say = (line: string) => !values.json && console.log(line);
  const steps: Step[] = [];
  const timed = async (step: string, body: () => Promise<string>): Promise<boolean> => {
    const t0 = performance.now();
    try {
      const detail = await body();
      steps.push({ step, ok: true, ms: Math.round(performance.now() - t0), detail });
      say(`ok    ${step}: ${detail}`);
      return true;
    } catch (err) {
      const detail = (err as Error).message.split("\n")[0]!;
      steps.push({ step, ok: false, ms: Math.round(performance.now() - t0), detail });
      say(`FAIL  ${step}: ${detail}`);
      return false;
    }
  };

  let v6Done = false;
  /** One protocol through the engine between two hosts, its samples (offset in time so steps follow each other) into the demo's run. */
  const trafficStep = (inv: Inventory, txName: string, rxName: string, protocol: Protocol, ipVersion: IpVersion, transport: (h: string) => Transport) =>
    timed(`traffic ${protocol}${ipVersion === 6 ? " over IPv6" : ""} ${txName} -> ${rxName} (engine, rate 1000 pps, 2 s)`, async () => {
      const r = await runTraffic(
        inv,
        { tx: txName, rx: rxName, protocol, mode: "rate", pps: 1000, duration: 2, udpEcho: true, checks: { minRxRatio: 0.99 }, ...(ipVersion === 6 ? { ipVersion } : {}) },
        {
          runId: `demo-${protocol}${ipVersion === 6 ? "6" : ""}`,
          transport,
          onSample: (sample) => store.addSample(demoId, { ...sample, stats: { ...sample.stats, t: sample.stats.t + timeOffset } }),
        },
      );
      // The engines' final summaries are the run's last samples: the report's totals are theirs.
      for (const h of r.hosts) {
        if (h.summary) store.addSample(demoId, { host: h.host, role: h.role, ipVersion, engine: `${r.runId}-${h.role}`, stats: { ...h.summary, t: (h.summary.duration_s ?? 2) + timeOffset } });
      }
      timeOffset += 3;
      const sent = r.tx[protocol].tx_packets;
      const got = r.rx[protocol].rx_packets;
      const answered = r.tx[protocol].answers_matched;
      if (r.state !== "passed") throw new Error(r.reason ?? r.state);
      const v6 = r.breakdown.rx.families.ipv6;
      return `sent ${sent}, received ${got}, answers matched ${answered}${r.rtt ? `, rtt p50 ${r.rtt.p50.toFixed(0)} us` : ""}${ipVersion === 6 && v6 ? `; IPv6 packets at the receiver ${v6.rx_packets} (${r.breakdown.rx.familiesFrom === "engine" ? "engine's count" : "the run's family"})` : ""}`;
    });

  await ensureProvisioned(say);
  await buildAll((l) => say(`build: ${l}`));
  const { lab, file, sha256 } = loadLab(values.lab ?? "two-host");
  const backend = new NetnsBackend();
  const stateDir = labStateDir(lab.name);
  const transports: Transport[] = [];
  const started = new Date();
  const demoId = newRunId("demo", started);
  const dir = join(REPO_ROOT, "results", `${runStamp(started)}_demo`);
  mkdirSync(dir, { recursive: true });
  // The demo is one run in the store: every protocol's samples (offset in time so they follow each other), its steps as verdicts.
  const store = RunStore.open(join(REPO_ROOT, "results", "wirelab.sqlite"));
  let storedRun = false;
  let timeOffset = 0;
  try {
    let inventory: Awaited<ReturnType<NetnsBackend["up"]>> | undefined;
    await timed("lab up", async () => {
      inventory = await backend.up(lab, { stateDir, ssh: true, labFile: file, labSha256: sha256 });
      return `${lab.name}: ${inventory.hosts.length} hosts, sshd in each`;
    });
    if (inventory) {
      const inv = inventory;
      store.startRun({ id: demoId, kind: "demo", name: `demo on ${lab.name}`, dir, lab: lab.name, spec: { lab: lab.name }, provenance: provenance(inv) });
      storedRun = true;
      for (const kind of ["netns", "ssh"] as const) {
        for (const from of inventory.hosts) {
          const t = transportFor(from, kind);
          transports.push(t);
          for (const to of inventory.hosts) {
            if (to === from) continue;
            const target = inventoryHost(inventory, to.name).interfaces[0]!;
            await timed(`${from.name} -> ${to.name} over ${target.segment} (${kind})`, async () => {
              const r = await t.exec(["ping", "-c", "3", "-i", "0.2", "-W", "1", "-I", from.interfaces[0]!.name, target.ipv4]);
              const rtt = /= [\d.]+\/([\d.]+)\//.exec(r.stdout)?.[1];
              if (r.code !== 0) throw new Error(`ping ${target.ipv4} failed: ${r.stdout.split("\n").find((l) => l.includes("loss")) ?? r.stderr.trim()}`);
              return `3/3 echo replies from ${target.ipv4}, avg rtt ${rtt} ms`;
            });
          }
        }
      }
      // Traffic in every protocol through the DPDK engine, the receiver answering.
      const tx = inv.hosts.find((h) => h.role === "tx") ?? inv.hosts[0]!;
      const rx = inv.hosts.find((h) => h.role === "rx" && h !== tx) ?? inv.hosts.find((h) => h !== tx)!;
      const netns = new Map(inv.hosts.map((h) => [h.name, transportFor(h, "netns")]));
      transports.push(...netns.values());
      for (const protocol of PROTOCOLS) await trafficStep(inv, tx.name, rx.name, protocol, 4, (h) => netns.get(h)!);
      // A dual-stack demo lab takes the IPv6 step itself; otherwise the dual-stack lab does, below.
      if (hasIpv6(inv)) {
        v6Done = true;
        for (const protocol of IPV6_PROTOCOLS) await trafficStep(inv, tx.name, rx.name, protocol, 6, (h) => netns.get(h)!);
      }
    }
  } finally {
    await Promise.all(transports.map((t) => t.close()));
    await timed("lab down", async () => {
      const report = await backend.down(lab, { stateDir, labFile: file });
      return `removed ${report.removed.length} objects, stopped ${report.processesStopped.length} processes`;
    });
  }

  // IPv6 through the engine on the dual-stack lab (its own prefix), into the same run, when the demo lab is IPv4 only.
  if (storedRun && !v6Done) {
    let six: LabFixture | undefined;
    const up = await timed("lab up dual-stack (IPv6: 2001:2:0:42::/64)", async () => {
      six = await startLab("dual-stack", { ssh: false });
      const nics = six.inventory.hosts.map((h) => `${h.name} ${h.interfaces[0]?.ipv6}`);
      return `${six.inventory.lab.name}: ${nics.join(", ")}`;
    });
    try {
      if (up && six) {
        const fixture: LabFixture = six;
        const v6tx = fixture.inventory.hosts.find((h) => h.role === "tx")!;
        const v6rx = fixture.inventory.hosts.find((h) => h.role === "rx")!;
        for (const protocol of IPV6_PROTOCOLS) await trafficStep(fixture.inventory, v6tx.name, v6rx.name, protocol, 6, (h) => fixture.transport(h));
      }
    } finally {
      if (six) await timed("lab down dual-stack", async () => (await six!.down(), "removed"));
    }
  }

  // The XDP comparison on its own lab (xdp-pair), into this run's directory so the report shows its bars.
  if (!values["no-xdp"]) {
    await timed("XDP vs userspace baseline (xdp bench --preset quick on xdp-pair)", async () => {
      const r = Bun.spawnSync([BUN, join(REPO_ROOT, "runner", "src", "cli.ts"), "xdp", "bench", "--preset", "quick", "--results", dir], { stdout: "pipe", stderr: "pipe" });
      const out = r.stdout.toString();
      if (r.exitCode !== 0) throw new Error(r.stderr.toString().trim().split("\n").at(-1) ?? `exit ${r.exitCode}`);
      const md = readdirSync(dir).filter((e) => e.endsWith("_xdp-bench")).map((e) => join(dir, e, "results.md")).find((f) => existsSync(f));
      const reading = md ? readFileSync(md, "utf8").split(/(?<=\.) /).find((l) => /cost .*x.* that of xdp-drop/.test(l)) : undefined;
      return reading?.replace(/\s+/g, " ").trim() ?? out.trim().split("\n").at(-1) ?? "results in the run directory";
    });
  }

  const ok = steps.every((s) => s.ok);
  writeFileSync(join(dir, "steps.json"), JSON.stringify({ lab: lab.name, startedAt: started.toISOString(), ok, steps }, null, 2) + "\n");
  const md = [
    `# wirelab demo: ${lab.name}`,
    "",
    `Started ${started.toISOString()} on Linux; result: **${ok ? "passed" : "FAILED"}**.`,
    "",
    "| step | result | ms | detail |",
    "|---|---|---:|---|",
    ...steps.map((s) => `| ${s.step} | ${s.ok ? "ok" : "FAIL"} | ${s.ms} | ${s.detail.replaceAll("|", "\\|")} |`),
    "",
  ].join("\n");
  writeFileSync(join(dir, "steps.md"), md);
  let html: string | undefined;
  if (storedRun) {
    store.finishRun(demoId, ok ? "passed" : "failed", ok ? undefined : steps.find((s) => !s.ok)?.detail, steps.map((s) => ({ name: s.step, ok: s.ok, detail: s.detail })));
    if (writeRunReports(dir, store, demoId)) html = join(dir, "report.html");
  }
  store.close();
  const shown = relative(process.cwd(), html ?? join(dir, "steps.md"));
  if (values.json) console.log(JSON.stringify({ ok, report: html ?? join(dir, "steps.md"), steps }));
  else console.log(`demo ${ok ? "passed" : "FAILED"}: ${steps.filter((s) => s.ok).length}/${steps.length} steps ok; report: ${shown}`);
  return ok ? 0 : 1;
}
