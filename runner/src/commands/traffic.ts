// `wirelab traffic`: the old `run-traffic --rx-vm --tx-vm --protocol --mode`,
// over any inventory. Receiver first, then sender; live table or JSON lines.
import { join, relative } from "node:path";
import { oneOf, parseCommandArgs } from "../cli-args.ts";
import { loadInventory } from "../lab-files.ts";
import { REPO_ROOT } from "../paths.ts";
import { inventoryLab } from "../lab-fixture.ts";
import type { TransportKind } from "../transport/index.ts";
import { PROTOCOLS } from "../traffic/engine-output.ts";
import { LiveView, resultBreakdownLines } from "../traffic/live-view.ts";
import { MODES, validateSpec, type TrafficSpec } from "../traffic/traffic-spec.ts";
import { SPEC_OPTIONS, specRequest } from "../traffic/traffic-flags.ts";
import { flagOf, labIssue, LIMITS, runRequestSchema, specIssue } from "../traffic/spec-schema.ts";
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
  --pps N                  rate mode: packets per second, up to ${LIMITS.maxPps} [1000]
  --interval USEC          continuous mode: gap between packets, up to ${LIMITS.maxMicros} [0 = as fast as possible]
  --burst-size N --burst-gap USEC   burst mode: N packets (1..${LIMITS.maxBurstSize}), then a pause
  --duration SEC           [5, unless --count]     --count N    stop after N packets
  --size BYTES             frame size ${LIMITS.minSize}..${LIMITS.maxSize} [64]
  --flows N                vary the source port over N flows (1..${LIMITS.maxFlows})
  --dst-port N             UDP/TCP/DNS destination port [udp 9000, tcp 8080, dns 53]
  --message STR            UDP/TCP payload, 1..${LIMITS.maxMessageBytes} bytes
  --domain NAME            DNS name to query (repeatable, at most ${LIMITS.maxDomains}; ${LIMITS.maxDomains / 2} with --ip-version 6)
  --seed N                 random mode: reproducible protocol/mode phases (0..2^64-1)
  --phase-duration SEC     random mode: length of a phase (>= ${LIMITS.minPhaseDuration}) [5]
  --ip-version 4|6         IP family [4]; 6 sends between the hosts' IPv6 addresses (a lab with
                           ipv6: true, e.g. dual-stack); the receiver answers for both families
  --vlan ID[,PCP]          802.1Q tag on the sent frames (ID 1..4094, PCP 0..7); twice for QinQ, outer first
  --workers N              engine worker cores per host (1..${LIMITS.maxWorkers}), each with its own queue pair [1]
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
      ...SPEC_OPTIONS,
      tx: { type: "string" }, rx: { type: "string" },
      xdp: { type: "string" }, "xdp-rule": { type: "string", multiple: true },
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
  const xdp = values.xdp;
  const builtIn = xdp === "count" || xdp === "drop" || xdp === "reflect" ? xdp : undefined;
  if (xdp && !builtIn && !xdp.endsWith(".o")) throw new UsageError(`--xdp: '${xdp}' is neither count, drop, reflect nor a BPF object file (.o)`);
  if (values["xdp-rule"] && xdp !== "drop") throw new UsageError("--xdp-rule: rules belong to --xdp drop");
  const kind = values.transport === undefined ? undefined : oneOf(values.transport, "--transport", ["netns", "ssh"] as const, "netns");
  // The flags as a POST /runs body: one schema validates both, and remote mode sends this body as it is.
  const request = { ...specRequest(values), ...(builtIn ? { xdp: { prog: builtIn, ...(values["xdp-rule"] ? { rules: values["xdp-rule"] } : {}) } } : {}) };
  if (values.server !== undefined) {
    for (const local of ["lab", "inventory", "transport", "results"] as const) {
      if (values[local] !== undefined) throw new UsageError(`--${local}: not used with --server (the server runs the traffic on its own lab)`);
    }
    if (xdp && !builtIn) throw new UsageError(`--xdp: a server loads only its built-in programs (count, drop, reflect), not '${xdp}'`);
    if (!values.tx || !values.rx) throw new UsageError("--tx and --rx name the hosts of the server's lab (GET /lab lists them)");
  }
  const labFiles = () => loadInventory({ ...(values.inventory ? { inventory: values.inventory } : {}), ...(values.lab ? { lab: values.lab } : {}) });
  if (!values.tx || !values.rx) throw new UsageError(`--tx and --rx name the hosts (this lab: ${labFiles().hosts.map((h) => `${h.name} (${h.role})`).join(", ")})`);
  const parsed = runRequestSchema.safeParse(request);
  if (!parsed.success) throw new UsageError(specIssue(parsed.error, request, "cli"));
  const { checks, xdp: _xdp, ...fields } = parsed.data;
  const spec: TrafficSpec = validateSpec({ ...fields, ...(checks ? { checks } : {}) });
  const { protocol, mode } = spec;
  // validateSpec stops after 5 s unless a count is given: the live view's progress bar follows.
  const liveDuration = spec.duration;

  if (values.server !== undefined) {
    const server = parseServerUrl(values.server);
    const body = request as RunRequest;
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

  const inventory = labFiles();
  const bad = labIssue(spec, inventory.hosts.map((h) => h.name), inventory.hosts.filter((h) => h.interfaces[0]?.ipv6).map((h) => h.name));
  if (bad) throw new UsageError(`${flagOf([bad.key])}: ${bad.message.replace("in the lab", `in lab '${inventory.lab.name}'`)}`);

  // Listening before the run exists: a Ctrl-C at any moment from here on ends the run as 'interrupted'.
  const stop = stopOnSignals();
  const resultsDir = values.results ?? join(REPO_ROOT, "results");
  const store = RunStore.open(join(resultsDir, "wirelab.sqlite"));
  const view = !values.json && process.stdout.isTTY ? new LiveView(process.stdout, liveDuration) : undefined;
  const receiverXdp: TrafficSpec["xdp"] = xdp ? { ...(builtIn ? { prog: builtIn } : { obj: xdp }), ...(values["xdp-rule"] ? { rules: values["xdp-rule"] } : {}) } : undefined;
  const run = Run.begin({
    store, resultsDir, spec: runSpec("traffic", { ...spec, ...(receiverXdp ? { xdp: receiverXdp } : {}) }), name: `${protocol}/${mode} ${spec.tx} -> ${spec.rx}`, what: `${protocol}-${mode}`,
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
