// `wirelab demo`: the README's main job. Brings up the two-host lab with sshd,
// checks reachability both ways over br-test through both transports, runs
// traffic in every protocol through the DPDK engine, tears the lab down, runs
// the XDP-vs-baseline comparison on xdp-pair, and writes one report.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { inventoryHost } from "../../../infra/src/inventory.ts";
import { NetnsBackend } from "../../../infra/src/netns-lab.ts";
import { parseCommandArgs } from "../cli-args.ts";
import { loadLab } from "../lab-files.ts";
import { BUN, labStateDir, REPO_ROOT } from "../paths.ts";
import { provenance } from "../provenance.ts";
import { RunStore } from "../store/run-store.ts";
import { ensureProvisioned } from "../setup.ts";
import { transportFor } from "../transport/index.ts";
import type { Transport } from "../transport/transport.ts";
import { PROTOCOLS, type Protocol } from "../traffic/engine-output.ts";
import type { IpVersion } from "../traffic/breakdown.ts";
import type { Inventory } from "../../../infra/src/inventory.ts";
import { startLab, type LabFixture } from "../lab-fixture.ts";
import { buildAll } from "./build.ts";
import { Run } from "../run/run.ts";
import { runSpec } from "../run/run-spec.ts";
import { trafficSegment } from "../run/traffic-segment.ts";

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
  const { values } = parseCommandArgs(argv, { lab: { type: "string" }, "no-xdp": { type: "boolean" }, json: { type: "boolean" }, results: { type: "string" }, help: { type: "boolean", short: "h" } }, false);
  if (values.help) {
    console.log(`Usage: bun run demo [--lab FILE|NAME] [--json] [--results DIR]

The main job, end to end on this machine (root): installs what is missing,
builds the C parts, brings up the lab (default two-host) with an OpenSSH
server in every host, checks that every host reaches every other over the
test network through both transports (netns and SSH), runs traffic in every
protocol (eth, arp, icmp, udp, tcp, dns) through the DPDK engine, then ICMPv6
and UDP over IPv6 (on the lab itself when it is dual stack, else on the
dual-stack lab), tears the labs down, runs the XDP-vs-baseline comparison (xdp bench --preset quick) on
the xdp-pair lab, and writes results/<time>-demo-<id>/report.html (charts, totals,
verdicts, XDP bars) with results.json, .csv, .md and junit.xml beside it.

  --no-xdp         skip the XDP comparison
  --results DIR    where the run directory and the run store go [results/]`);
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
  /** One protocol through the engine between two hosts: a segment of the demo's run. */
  const trafficStep = (inv: Inventory, txName: string, rxName: string, protocol: Protocol, ipVersion: IpVersion, transport: (h: string) => Transport) =>
    timed(`traffic ${protocol}${ipVersion === 6 ? " over IPv6" : ""} ${txName} -> ${rxName} (engine, rate 1000 pps, 2 s)`, async () => {
      const spec = { tx: txName, rx: rxName, protocol, mode: "rate", pps: 1000, duration: 2, udpEcho: true, checks: { minRxRatio: 0.99 }, ...(ipVersion === 6 ? { ipVersion } : {}) } as const;
      const r = await trafficSegment(run, inv, spec, transport, { name: `traffic ${protocol}${ipVersion === 6 ? " over IPv6" : ""}`, monitor: false });
      const sent = r.tx[protocol].tx_packets;
      const got = r.rx[protocol].rx_packets;
      const answered = r.tx[protocol].answers_matched;
      if (r.state !== "passed") throw new Error(r.reason ?? r.state);
      const v6 = r.breakdown.rx.families.ipv6;
      return `sent ${sent}, received ${got}, answers matched ${answered}${r.rtt ? `, rtt p50 ${r.rtt.p50.toFixed(0)} us` : ""}${ipVersion === 6 && v6 ? `; IPv6 packets at the receiver ${v6.rx_packets} (${r.breakdown.rx.familiesFrom === "engine" ? "engine's count" : "the run's family"})` : ""}`;
    });

  await ensureProvisioned(say);
  // The lab file first: a bad --lab is exit 2 before anything is built.
  const { lab, file, sha256 } = loadLab(values.lab ?? "two-host");
  await buildAll((l) => say(`build: ${l}`));
  const backend = new NetnsBackend();
  const stateDir = labStateDir(lab.name);
  const transports: Transport[] = [];
  // The demo is one run in the store from here on: each protocol a segment, its steps as verdicts.
  const resultsDir = values.results ?? join(REPO_ROOT, "results");
  const store = RunStore.open(join(resultsDir, "wirelab.sqlite"));
  const run = Run.begin({ store, resultsDir, spec: runSpec("demo", { lab: lab.name, xdp: !values["no-xdp"] }), name: `demo on ${lab.name}`, what: "demo", lab: lab.name, provenance: {} });
  const dir = run.dir;
  const started = run.startedAt;
  let labUp = false;
  try {
    let inventory: Awaited<ReturnType<NetnsBackend["up"]>> | undefined;
    await timed("lab up", async () => {
      inventory = await backend.up(lab, { stateDir, ssh: true, labFile: file, labSha256: sha256 });
      return `${lab.name}: ${inventory.hosts.length} hosts, sshd in each`;
    });
    if (inventory) {
      const inv = inventory;
      run.update({ provenance: provenance(inv) });
      labUp = true;
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
  if (labUp && !v6Done) {
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
  const reported = run.finish({ state: ok ? "passed" : "failed", ...(ok ? {} : { reason: steps.find((s) => !s.ok)?.detail }), checks: steps.map((s) => ({ name: s.step, ok: s.ok, detail: s.detail })) });
  const html = reported ? join(dir, "report.html") : undefined;
  store.close();
  const shown = relative(process.cwd(), html ?? join(dir, "steps.md"));
  if (values.json) console.log(JSON.stringify({ ok, report: html ?? join(dir, "steps.md"), steps }));
  else console.log(`demo ${ok ? "passed" : "FAILED"}: ${steps.filter((s) => s.ok).length}/${steps.length} steps ok; report: ${shown}`);
  return ok ? 0 : 1;
}
