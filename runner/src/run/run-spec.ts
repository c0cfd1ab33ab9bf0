// What a stored run was asked to do: one typed, versioned document for every
// kind of run, the settings as parsed (never raw argv). Rows stored before the
// document existed are read as version 0: their settings as they were stored.
import type { Scenario } from "../scenario/scenario-schema.ts";
import type { TrafficSpec } from "../traffic/traffic-spec.ts";

export const RUN_SPEC_VERSION = 1;

export const RUN_KINDS = ["traffic", "scenario", "demo"] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export interface ScenarioSettings {
  readonly file: string;
  /** The preset's name when the run was asked for by preset (the API always is). */
  readonly preset?: string;
  readonly scenario: Scenario;
}

export interface DemoSettings {
  readonly lab: string;
  readonly xdp: boolean;
}

export type RunSpec =
  | { readonly kind: "traffic"; readonly version: typeof RUN_SPEC_VERSION; readonly settings: TrafficSpec }
  | { readonly kind: "scenario"; readonly version: typeof RUN_SPEC_VERSION; readonly settings: ScenarioSettings }
  | { readonly kind: "demo"; readonly version: typeof RUN_SPEC_VERSION; readonly settings: DemoSettings };

export type TrafficRunSpec = Extract<RunSpec, { kind: "traffic" }>;
export type ScenarioRunSpec = Extract<RunSpec, { kind: "scenario" }>;
export type DemoRunSpec = Extract<RunSpec, { kind: "demo" }>;

/** A row from before the document: its kind column and whatever its spec column held (argv, a scenario, `{lab}`). */
export interface StoredBeforeVersions {
  readonly kind: string;
  readonly version: 0;
  readonly settings: unknown;
}

export type StoredRunSpec = RunSpec | StoredBeforeVersions;

export function runSpec<K extends RunKind>(kind: K, settings: Extract<RunSpec, { kind: K }>["settings"]): Extract<RunSpec, { kind: K }> {
  return { kind, version: RUN_SPEC_VERSION, settings } as Extract<RunSpec, { kind: K }>;
}

/** The stored spec column, decoded: a document as written, or an older row's value wrapped as version 0. */
export function readRunSpec(kind: string, stored: unknown): StoredRunSpec {
  const doc = stored as Partial<RunSpec> | null;
  if (doc && typeof doc === "object" && typeof doc.version === "number" && doc.version >= 1 && typeof doc.kind === "string" && "settings" in doc) return doc as RunSpec;
  return { kind, version: 0, settings: stored };
}
