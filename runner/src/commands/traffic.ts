// `wirelab traffic`: the old `run-traffic --rx-vm --tx-vm --protocol --mode`,
// over any inventory. Receiver first, then sender; live table or JSON lines.
import { join, relative } from "node:path";
import { oneOf, parseCommandArgs, positiveNumber } from "../cli-args.ts";
import { loadInventory } from "../lab-files.ts";
import { REPO_ROOT } from "../paths.ts";
import { inventoryLab } from "../lab-fixture.ts";
import type { TransportKind } from "../transport/index.ts";
import { inventoryHost } from "../../../infra/src/inventory.ts";
import { PROTOCOLS } from "../traffic/engine-output.ts";
import { LiveView, resultBreakdownLines } from "../traffic/live-view.ts";
import { MAX_WORKERS, MODES, type ProtocolChoice } from "../traffic/traffic-spec.ts";
import { vlanFlags, wholeInRange } from "../traffic/traffic-flags.ts";
import { vlanArg } from "../traffic/vlan-tag.ts";
import { provenance } from "../provenance.ts";
import { RunStore } from "../store/run-store.ts";
import type { RunRequest } from "../api/run-request.ts";
import { UsageError } from "../paths.ts";
import { parseServerUrl, RemoteClient } from "../remote/remote-client.ts";
import { clientToken } from "../remote/remote-token.ts";
import { remoteTraffic } from "../remote/remote-traffic.ts";
import { withServerInterrupt } from "../remote/ctrl-c.ts";
import { Run } from "../run/run.ts";
import { runSpec } from "../run/run-spec.ts";
import { stopOnSignals } from "../run/signals.ts";
import { trafficSegment } from "../run/traffic-segment.ts";

const HELP = `Usage: bun run traffic --tx HOST --rx HOST [options]
       bun run traffic --server URL --tx HOST --rx HOST [options]

Runs the DPDK engine between two lab hosts: the receiver (counts, classifies
and answers ARP, ICMP, DNS, TCP, optional UDP echo) starts first, then the
sender. Stats stream from both every interval. Stops at --duration/--count or
on Ctrl-C, and still writes the results. Exit 0 only when the run met its checks.

Traffic:
  --tx HOST --rx HOST      hosts from the inventory (e.g. tx and rx in two-host)
  --protocol P             ${[...PROTOCOLS, "random"].join("|")} [udp]
  --mode M                 ${MODES.join("|")} [continuous]
  --pps N                  rate mode: packets per second [1000]
  --interval USEC          continuous mode: gap between packets [0 = as fast as possible]
  --burst-size N --burst-gap USEC
  --duration SEC           [5, unless --count]     --count N    stop after N packets
  --size BYTES             frame size 60..1514 [64]
  --flows N                vary the source port over N flows
  --message STR            UDP/TCP payload        --domain NAME  DNS name (repeatable)
  --seed N                 random mode: reproducible protocol/mode phases
  --ip-version 4|6         IP family [4]; 6 sends between the hosts' IPv6 addresses (a lab with
                           ipv6: true, e.g. dual-stack); the receiver answers for both families
  --vlan ID[,PCP]          802.1Q tag on the sent frames (ID 0..4094, PCP 0..7); twice for QinQ, outer first
  --workers N              engine worker cores per host, each with its own queue pair [1]
  --udp-echo               the receiver echoes UDP back
  --capture                write a pcap per host into the run directory
  --xdp PROG|FILE.o        an XDP program receives instead of the rx engine: count, drop, reflect,
                           or your own object file; its per-protocol counters are the rx side
  --xdp-rule SPEC          with --xdp drop: drop only what a rule names (repeatable), e.g. proto=udp,dport=9000
Checks:
  --min-rx-ratio R         received/sent at least R (0..1)
  --min-answer-ratio R     answers matched/requests at least R
  --max-rtt-p99-us N
  --max-nxdomain N         DNS: at most N NXDOMAIN answers (otherwise NXDOMAIN is an answer, not an error)
  --max-tcp-violations N   TCP: at most N peer segments off the RFC 9293 state machine
Lab:
  --inventory FILE         the lab's inventory [.wirelab/labs/<lab>/inventory.json]
  --lab NAME               whose inventory to use [two-host]
  --transport netns|ssh    how to reach the hosts [the inventory's default]
Remote (a wirelab server runs it on its lab; the same live view, --json lines and exit code):
  --server URL             POST the run to 'bun run serve' at URL and follow its events;
                           Ctrl-C stops the run there first. --lab, --inventory, --transport
                           and --results belong to the server then
  --token-file FILE        the API token [WIRELAB_API_TOKEN, else .wirelab/api-token]
Output:
  --json                   JSON lines: samples, then the result
  --results DIR            where run directories go [results/]

Example:
  bun run lab up --lab two-host
  bun run traffic --tx tx --rx rx --protocol icmp --mode rate --pps 500 --duration 5 --min-answer-ratio 0.99
  bun run serve --lab two-host &   # then, from any shell with the token:
  bun run traffic --server http://127.0.0.1:7800 --tx tx --rx rx --protocol udp --mode rate --pps 1000 --duration 3`;

export async function trafficCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      tx: { type: "string" }, rx: { type: "string" }, protocol: { type: "string" }, mode: { type: "string" },
      pps: { type: "string" }, interval: { type: "string" }, "burst-size": { type: "string" }, "burst-gap": { type: "string" },
      duration: { type: "string" }, count: { type: "string" }, size: { type: "string" }, flows: { type: "string" },
      message: { type: "string" }, domain: { type: "string", multiple: true }, seed: { type: "string" },
      "ip-version": { type: "string" }, vlan: { type: "string", multiple: true }, workers: { type: "string" },
      "udp-echo": { type: "boolean" }, capture: { type: "boolean" }, xdp: { type: "string" }, "xdp-rule": { type: "string", multiple: true },
      "min-rx-ratio": { type: "string" }, "min-answer-ratio": { type: "string" }, "max-rtt-p99-us": { type: "string" },
      "max-nxdomain": { type: "string" }, "max-tcp-violations": { type: "string" },
      inventory: { type: "string" }, lab: { type: "string" }, transport: { type: "string" },
      json: { type: "boolean" }, results: { type: "string" }, server: { type: "string" }, "token-file": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    false,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const num = (name: keyof typeof values) => (values[name] === undefined ? undefined : positiveNumber(values[name] as string, `--${name}`, 0));
  const micros = (name: "interval" | "burst-gap") => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: '${raw}' is not a whole number of microseconds`);
    return n;
  };
  const ratio = (name: "min-rx-ratio" | "min-answer-ratio") => {
    const v = num(name);
    if (v !== undefined && v > 1) throw new Error(`--${name}: ${v} is not a ratio between 0 and 1`);
    return v;
  };
  const atMost = (name: "max-nxdomain" | "max-tcp-violations") => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: '${raw}' is not a whole number`);
    return n;
  };
  const ipVersion = values["ip-version"] === undefined ? undefined : (Number(oneOf(values["ip-version"], "--ip-version", ["4", "6"] as const, "4")) as 4 | 6);
  const vlan = vlanFlags(values.vlan);
  const workers = wholeInRange(values.workers, "--workers", 1, MAX_WORKERS);
  const protocol = oneOf(values.protocol, "--protocol", [...PROTOCOLS, "random"] as const, "udp") as ProtocolChoice;
  const mode = oneOf(values.mode, "--mode", MODES, "continuous");
  if (values["xdp-rule"] && values.xdp !== "drop") throw new Error("--xdp-rule: rules belong to --xdp drop");
  if (values.xdp && !["count", "drop", "reflect"].includes(values.xdp) && !values.xdp.endsWith(".o")) {
    throw new Error(`--xdp: '${values.xdp}' is neither count, drop, reflect nor a BPF object file (.o)`);
  }
  // What both modes run: local mode hands it to runTraffic, remote mode sends it as the POST /runs body.
  const spec = {
    tx: values.tx ?? "", rx: values.rx ?? "", protocol, mode,
    ...(num("pps") !== undefined ? { pps: num("pps")! } : {}),
    ...(micros("interval") !== undefined ? { interval: micros("interval")! } : {}),
    ...(num("burst-size") !== undefined ? { burstSize: num("burst-size")! } : {}),
    ...(micros("burst-gap") !== undefined ? { burstGap: micros("burst-gap")! } : {}),
    ...(num("duration") !== undefined ? { duration: num("duration")! } : {}),
    ...(num("count") !== undefined ? { count: num("count")! } : {}),
    ...(num("size") !== undefined ? { size: num("size")! } : {}),
    ...(num("flows") !== undefined ? { flows: num("flows")! } : {}),
    ...(values.message !== undefined ? { message: values.message } : {}),
    ...(values.domain ? { domains: values.domain } : {}),
    ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
    ...(values["udp-echo"] ? { udpEcho: true } : {}),
    ...(values.capture ? { capture: true } : {}),
    ...(ipVersion !== undefined ? { ipVersion } : {}),
    ...(vlan ? { vlan } : {}),
    ...(workers !== undefined ? { workers } : {}),
    checks: {
      ...(ratio("min-rx-ratio") !== undefined ? { minRxRatio: ratio("min-rx-ratio")! } : {}),
      ...(ratio("min-answer-ratio") !== undefined ? { minAnswerRatio: ratio("min-answer-ratio")! } : {}),
      ...(num("max-rtt-p99-us") !== undefined ? { maxRttP99Us: num("max-rtt-p99-us")! } : {}),
      ...(atMost("max-nxdomain") !== undefined ? { maxNxdomain: atMost("max-nxdomain")! } : {}),
      ...(atMost("max-tcp-violations") !== undefined ? { maxTcpViolations: atMost("max-tcp-violations")! } : {}),
    },
  };
  const liveDuration = num("duration") ?? (num("count") ? undefined : 5);

  if (values.server !== undefined) {
    const server = parseServerUrl(values.server);
    for (const local of ["lab", "inventory", "transport", "results"] as const) {
      if (values[local] !== undefined) throw new UsageError(`--${local}: not used with --server (the server runs the traffic on its own lab)`);
    }
    if (values.xdp && !["count", "drop", "reflect"].includes(values.xdp)) throw new UsageError(`--xdp: a server loads only its built-in programs (count, drop, reflect), not '${values.xdp}'`);
    if (!values.tx || !values.rx) throw new UsageError("--tx and --rx name the hosts of the server's lab (GET /lab lists them)");
    const { vlan: tags, ...rest } = spec;
    const body: RunRequest = {
      ...rest,
      // The body says tags as the API takes them ("ID,PCP"), the spec holds them parsed.
      ...(tags ? { vlan: tags.map(vlanArg) } : {}),
      ...(values.xdp ? { xdp: { prog: values.xdp as "count" | "drop" | "reflect", ...(values["xdp-rule"] ? { rules: values["xdp-rule"] } : {}) } } : {}),
    };
    const client = new RemoteClient(server, clientToken(values["token-file"] !== undefined ? { tokenFile: values["token-file"] } : {}));
    return withServerInterrupt((interrupt) =>
      remoteTraffic({
        client, body, json: Boolean(values.json), interrupt,
        out: (line) => console.log(line),
        err: (line) => console.error(line),
        ...(!values.json && process.stdout.isTTY ? { view: new LiveView(process.stdout, liveDuration) } : {}),
      }),
    );
  }

  const inventory = loadInventory({ ...(values.inventory ? { inventory: values.inventory } : {}), ...(values.lab ? { lab: values.lab } : {}) });
  const kind = values.transport === undefined ? undefined : oneOf(values.transport, "--transport", ["netns", "ssh"] as const, "netns");
  if (!values.tx || !values.rx) throw new Error(`--tx and --rx name the hosts (this lab: ${inventory.hosts.map((h) => `${h.name} (${h.role})`).join(", ")})`);
  for (const name of [values.tx, values.rx]) {
    const host = inventoryHost(inventory, name);
    if (ipVersion === 6 && !host.interfaces[0]?.ipv6) throw new UsageError(`--ip-version: host '${name}' has no IPv6 address in lab '${inventory.lab.name}' (a lab with ipv6: true gives one, e.g. --lab dual-stack)`);
  }

  // Listening before the run exists: a Ctrl-C at any moment from here on ends the run as 'interrupted'.
  const stop = stopOnSignals();
  const resultsDir = values.results ?? join(REPO_ROOT, "results");
  const store = RunStore.open(join(resultsDir, "wirelab.sqlite"));
  const view = !values.json && process.stdout.isTTY ? new LiveView(process.stdout, liveDuration) : undefined;
  const xdp = values.xdp
    ? { ...(["count", "drop", "reflect"].includes(values.xdp) ? { prog: values.xdp as "count" | "drop" | "reflect" } : { obj: values.xdp }), ...(values["xdp-rule"] ? { rules: values["xdp-rule"] } : {}) }
    : undefined;
  const run = Run.begin({
    store, resultsDir, spec: runSpec("traffic", { ...spec, ...(xdp ? { xdp } : {}) }), name: `${protocol}/${mode} ${values.tx} -> ${values.rx}`, what: `${protocol}-${mode}`,
    lab: inventory.lab.name, provenance: provenance(inventory), warn: (line) => console.error(`wirelab traffic: ${line}`),
    sinks: [{ sample: (_line, sample) => (values.json ? console.log(JSON.stringify({ type: "sample", host: sample.host, role: sample.role, stats: sample.stats })) : view?.update(sample)) }],
  });
  const lab = inventoryLab(inventory, kind as TransportKind | undefined);
  const dir = run.dir;
  let result: Awaited<ReturnType<typeof trafficSegment>>;
  try {
    result = await trafficSegment(run, inventory, run.spec.settings, (host) => lab.transport(host), { signal: stop.signal });
  } catch (err) {
    run.finish({ state: stop.signal.aborted ? "interrupted" : "failed", reason: (err as Error).message.split("\n")[0]! });
    throw err;
  } finally {
    stop.release();
    await lab.closeTransports();
  }
  run.finish(result, result);
  store.close();

  if (values.json) {
    console.log(JSON.stringify({ type: "result", dir, ...result }));
  } else {
    const p = protocol === "random" ? undefined : protocol;
    const sent = p ? result.tx[p].tx_packets : Object.values(result.tx).reduce((a, c) => a + c.tx_packets, 0);
    const got = p ? result.rx[p].rx_packets : Object.values(result.rx).reduce((a, c) => a + c.rx_packets, 0);
    const matched = p ? result.tx[p].answers_matched : Object.values(result.tx).reduce((a, c) => a + c.answers_matched, 0);
    console.log(
      `${result.state}: ${protocol}/${mode} ${values.tx} -> ${values.rx}: sent ${sent}, received ${got}, answers matched ${matched}` +
        (result.rtt ? `, rtt p50/p99 ${result.rtt.p50.toFixed(0)}/${result.rtt.p99.toFixed(0)} us` : ""),
    );
    for (const c of result.checks) console.log(`  ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
    for (const line of resultBreakdownLines(result.breakdown)) console.log(line);
    console.log(`results: ${relative(process.cwd(), dir) || dir}/  report: ${relative(process.cwd(), join(dir, "report.html"))}`);
  }
  if (result.state !== "passed" && !values.json) console.error(`wirelab traffic: ${result.reason}`);
  // 130: what a shell reports for a run ended by Ctrl-C.
  return result.state === "passed" ? 0 : result.state === "interrupted" ? 130 : 1;
}
