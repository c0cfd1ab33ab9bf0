// One run, from its id to its results files: the traffic command, the API,
// the scenario command and the demo all go through this. The store row is
// written when the run begins (a runner that dies leaves a stored run the
// store's watchers mark interrupted), every sample reaches samples.jsonl, the
// store and the run's sinks as it arrives, and each part of the run that
// starts engines of its own (a demo step, a scenario step, a sweep rate) is a
// segment the store knows, so totals never depend on guessing from times.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HostSample } from "../monitor/host-sample.ts";
import { startHostMonitor, type MonitoredHost } from "../monitor/host-monitor.ts";
import { writeRunReports } from "../report/write-reports.ts";
import { engineRunId, newRunId } from "../store/run-id.ts";
import type { RunStore } from "../store/run-store.ts";
import type { Transport } from "../transport/transport.ts";
import type { CheckResult, RunState, Sample } from "../traffic/run-traffic.ts";
import { AppendFile } from "./append-file.ts";
import type { RunSpec } from "./run-spec.ts";
import { segmentSummaries } from "./segment-summary.ts";

/** One line of samples.jsonl (and an API `sample` event): the host, the runner's role, where in the run, the engine's figures. */
export type SampleLine = { host: string; role: string; segment?: number; step?: string; pps?: number } & Record<string, unknown>;

/** Where a run's samples go besides samples.jsonl and the store: event streams, a live view, JSON lines on stdout. */
export interface RunSink {
  /** `json` is the line as samples.jsonl has it (without its newline): serialised once for every sink. */
  sample?(line: SampleLine, sample: Sample, json: string): void;
  hostSample?(sample: HostSample): void;
}

export interface RunOutcome {
  readonly state: RunState;
  readonly reason?: string;
  readonly checks?: readonly CheckResult[];
}

export interface BeginRun<S extends RunSpec = RunSpec> {
  readonly store: RunStore;
  /** Where the run directory goes: <resultsDir>/<id>. */
  readonly resultsDir: string;
  readonly spec: S;
  readonly name: string;
  /** What the id says after its time: `udp-rate`, `scenario-quick`, `demo`. */
  readonly what: string;
  readonly lab?: string;
  readonly provenance: unknown;
  readonly sinks?: readonly RunSink[];
  /** Write report.html, results.csv, .md and junit.xml at the end [true]. */
  readonly reports?: boolean;
  /** Said once when the store fails a write: the run goes on, samples.jsonl still has every sample. */
  readonly warn?: (line: string) => void;
}

export class Segment {
  constructor(
    readonly seq: number,
    readonly name: string,
    readonly step: string | undefined,
    readonly pps: number | undefined,
  ) {}
}

export class Run<S extends RunSpec = RunSpec> {
  readonly id: string;
  readonly spec: S;
  readonly dir: string;
  readonly startedAt: Date;
  /** The engines' DPDK file prefixes are built from this: short, and unique per run. */
  readonly engineId: string;
  private readonly sinks: RunSink[];
  private readonly samplesFile: AppendFile;
  private readonly hostSamplesFile: AppendFile;
  private readonly logFile: AppendFile;
  private storeFailed = false;
  private finished = false;

  private constructor(
    private readonly store: RunStore,
    private readonly options: BeginRun<S>,
  ) {
    this.spec = options.spec;
    this.startedAt = new Date();
    this.id = newRunId(options.what, this.startedAt);
    this.engineId = engineRunId(this.id);
    this.dir = join(options.resultsDir, this.id);
    this.sinks = [...(options.sinks ?? [])];
    this.samplesFile = new AppendFile(join(this.dir, "samples.jsonl"));
    this.hostSamplesFile = new AppendFile(join(this.dir, "host-samples.jsonl"));
    this.logFile = new AppendFile(join(this.dir, "run.log"));
  }

  /** A new run: its id, its directory and its stored row, 'running' from this moment. */
  static begin<S extends RunSpec>(options: BeginRun<S>): Run<S> {
    const run = new Run<S>(options.store, options);
    mkdirSync(run.dir, { recursive: true });
    options.store.startRun({
      id: run.id, kind: options.spec.kind, name: options.name, dir: run.dir, ...(options.lab ? { lab: options.lab } : {}),
      spec: options.spec, provenance: options.provenance, startedAt: run.startedAt.toISOString(),
    });
    return run;
  }

  addSink(sink: RunSink): void {
    this.sinks.push(sink);
  }

  /** Seconds since the run began. */
  elapsed(): number {
    return (Date.now() - this.startedAt.getTime()) / 1000;
  }

  log(line: string, tag?: string): void {
    this.logFile.append(`${new Date().toISOString()} ${tag ? `[${tag}] ` : ""}${line}\n`);
  }

  /** What the run learned once under way: a scenario's lab once it is up, its hosts' provenance. */
  update(update: { lab?: string; provenance?: unknown }): void {
    this.storing(() => this.store.updateRun(this.id, update));
  }

  /** The next part of the run with engines of its own; its samples carry its number. */
  segment(name: string, where: { step?: string; pps?: number } = {}): Segment {
    const seq = this.store.startSegment(this.id, { name, ...where, startedS: this.elapsed() });
    return new Segment(seq, name, where.step, where.pps);
  }

  endSegment(segment: Segment): void {
    this.storing(() => this.store.endSegment(this.id, segment.seq, this.elapsed()));
  }

  /** Runs `body` as a segment, ending it however body ends. */
  async inSegment<T>(name: string, where: { step?: string; pps?: number }, body: (segment: Segment) => Promise<T>): Promise<T> {
    const segment = this.segment(name, where);
    try {
      return await body(segment);
    } finally {
      this.endSegment(segment);
    }
  }

  /** An engine's sample: samples.jsonl first (a crash loses nothing already seen), the store, then every sink. */
  sample(sample: Sample, segment?: Segment): void {
    const line = sampleLine(sample, segment);
    const json = JSON.stringify(line);
    this.samplesFile.append(json + "\n");
    this.storing(() => this.store.addSample(this.id, sample, segment?.seq));
    for (const sink of this.sinks) sink.sample?.(line, sample, json);
  }

  hostSample(sample: HostSample, segment?: Segment): void {
    this.hostSamplesFile.append(JSON.stringify({ ...where(segment), ...sample }) + "\n");
    this.storing(() => this.store.addHostSample(this.id, sample));
    for (const sink of this.sinks) sink.hostSample?.(sample);
  }

  /** What the hosts spend while the run moves traffic (CPU, memory, interface counters), every `intervalS`. */
  monitor(transport: (host: string) => Transport, hosts: readonly MonitoredHost[], intervalS: number, segment?: Segment) {
    return startHostMonitor(transport, hosts, intervalS, (h) => this.hostSample(h, segment));
  }

  /**
   * Ends the run: results.json (what the run's own code knows, with its segments' totals), the stored state and
   * verdicts, then the reports (true when they were written). Only once: a second call is ignored.
   */
  finish(outcome: RunOutcome, results?: object): boolean {
    if (this.finished) return false;
    this.finished = true;
    for (const file of [this.samplesFile, this.hostSamplesFile, this.logFile]) file.close();
    if (results) writeFileSync(join(this.dir, "results.json"), JSON.stringify({ ...results, segments: segmentSummaries(this.store, this.id) }, null, 2) + "\n");
    this.store.finishRun(this.id, outcome.state, outcome.reason, outcome.checks ?? []);
    return (this.options.reports ?? true) && writeRunReports(this.dir, this.store, this.id);
  }

  private storing(write: () => void): void {
    try {
      write();
    } catch (err) {
      if (!this.storeFailed) this.options.warn?.(`run ${this.id}: storing its samples failed, the run goes on: ${(err as Error).message?.split("\n")[0]}`);
      this.storeFailed = true;
    }
  }
}

function where(segment: Segment | undefined) {
  return segment ? { segment: segment.seq, ...(segment.step !== undefined ? { step: segment.step } : {}), ...(segment.pps !== undefined ? { pps: segment.pps } : {}) } : {};
}

/** The engine's figures with the role the runner knows (the engine's own may be "both"), and where in the run. */
export function sampleLine(sample: Sample, segment?: Segment): SampleLine {
  const { role: _engineRole, ...stats } = sample.stats;
  return { host: sample.host, role: sample.role, ...where(segment), ...stats };
}
