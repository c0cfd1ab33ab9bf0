// Reads a scenario file: YAML → zod → rules zod cannot say (one of flows,
// replay or rfc2544, distinct hosts per step, sweeps over rate flows, hosts the lab has).
// Every error is one line naming the file, the line and the field.
import { readFileText } from "../../../infra/src/read-file-text.ts";
import { parseYamlFile, type Path } from "../../../infra/src/yaml-file.ts";
import { ScenarioError } from "./scenario-error.ts";
import { scenarioSchema, type Scenario } from "./scenario-schema.ts";


export interface ParsedScenario {
  readonly scenario: Scenario;
  readonly file: string;
  /** Throws a ScenarioError pointing at path's line: for checks made later against the lab. */
  readonly fail: (path: Path, problem: string) => never;
}

export function readScenario(file: string): ParsedScenario {
  return parseScenario(readFileText(file, file, ScenarioError, "a scenario file"), file);
}

export function parseScenario(text: string, file = "<scenario>"): ParsedScenario {
  const { data: scenario, fail } = parseYamlFile(text, file, scenarioSchema, ScenarioError, "a scenario file is a YAML mapping with 'name', 'lab' and 'steps'");
  checkRules(scenario, fail);
  return { scenario, file, fail };
}

function checkRules(s: Scenario, fail: (path: Path, problem: string) => never): void {
  const names = new Set<string>();
  s.steps.forEach((step, i) => {
    const at = ["steps", i] as const;
    if (names.has(step.name)) fail([...at, "name"], `'${step.name}' is already the name of an earlier step`);
    names.add(step.name);
    if ([step.flows, step.replay, step.rfc2544].filter((x) => x !== undefined).length !== 1) fail([...at], "a step has one of 'flows', 'replay' or 'rfc2544'");
    if (step.rfc2544) {
      if (step.sweep) fail([...at, "sweep"], "an rfc2544 step searches its own rates: set rfc2544.max_rate");
      return;
    }
    if (step.replay) {
      if (step.replay.tx === step.replay.rx) fail([...at, "replay", "rx"], `must differ from tx ('${step.replay.tx}')`);
      if (step.sweep) fail([...at, "sweep"], "a replay step has one rate: set replay.pps");
      const rp = step.replay;
      for (const key of ["pcap", "expect"] as const) {
        const from = rp[key];
        if (typeof from !== "object") continue;
        const source = s.steps.slice(0, i).find((p) => p.name === from.step);
        if (!source) fail([...at, "replay", key, "step"], `no earlier step '${from.step}'`);
        const captured = source!.flows?.some((f) => f.capture && (f.tx === from.host || f.rx === from.host));
        if (!captured) fail([...at, "replay", key, "host"], `step '${from.step}' captures nothing on '${from.host}' (set capture: true on its flow)`);
      }
      if (rp.sender === "tcpreplay" && (rp.expect || rp.expect_split || rp.expect_rules)) fail([...at, "replay", "sender"], "answers are validated by the engine sender only (sender: engine)");
      if (rp.sender === "tcpreplay" && rp.pps === undefined) fail([...at, "replay", "pps"], "tcpreplay needs a rate");
      return;
    }
    // Two engines on one host would share its test NIC's queue: concurrent flows need their own hosts.
    const used = new Map<string, number>();
    step.flows!.forEach((f, j) => {
      if (f.tx === f.rx) fail([...at, "flows", j, "rx"], `must differ from tx ('${f.tx}')`);
      for (const [role, host] of [["tx", f.tx], ["rx", f.rx]] as const) {
        const other = used.get(host);
        if (other !== undefined) fail([...at, "flows", j, role], `host '${host}' is already in flow ${other} of this step: concurrent flows need separate hosts (one engine per test NIC); for several protocols on one pair use protocol: random`);
        used.set(host, j);
      }
      if (step.sweep && f.mode !== "rate") fail([...at, "flows", j, "mode"], `a sweep sets pps, which only mode 'rate' uses (this flow is '${f.mode}')`);
    });
    if (step.checks.max_rtt_p99_us !== undefined && !step.flows!.some((f) => ["icmp", "tcp", "dns", "arp", "random"].includes(f.protocol) || f.udp_echo)) {
      fail([...at, "checks", "max_rtt_p99_us"], "no flow of this step gets answers to time (use icmp, tcp, dns, arp or udp_echo)");
    }
  });
}

/** Every host a scenario names must be in its lab. */
export function checkHosts(parsed: ParsedScenario, hosts: readonly string[], ipv6Hosts?: readonly string[]): void {
  const known = (h: string, path: Path) => {
    if (!hosts.includes(h)) parsed.fail(path, `no host '${h}' in lab '${parsed.scenario.lab}' (it has ${hosts.join(", ")})`);
  };
  parsed.scenario.steps.forEach((step, i) => {
    step.flows?.forEach((f, j) => {
      known(f.tx, ["steps", i, "flows", j, "tx"]);
      known(f.rx, ["steps", i, "flows", j, "rx"]);
      const without = f.ip_version === 6 && ipv6Hosts ? [f.tx, f.rx].find((h) => !ipv6Hosts.includes(h)) : undefined;
      if (without) parsed.fail(["steps", i, "flows", j, "ip_version"], `host '${without}' has no IPv6 address in lab '${parsed.scenario.lab}' (its lab file needs ipv6: true)`);
    });
    if (step.rfc2544) {
      known(step.rfc2544.tester, ["steps", i, "rfc2544", "tester"]);
      if (step.rfc2544.dut !== undefined) known(step.rfc2544.dut, ["steps", i, "rfc2544", "dut"]);
    }
    if (step.replay) {
      known(step.replay.tx, ["steps", i, "replay", "tx"]);
      known(step.replay.rx, ["steps", i, "replay", "rx"]);
    }
  });
}
