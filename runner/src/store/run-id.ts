// Run ids: `<UTC yyyymmdd-hhmmss>-<what>-<8 hex>`. The time first keeps them
// sortable and readable; the random tail keeps two runs started in the same
// second (two CLIs, a CLI and a server) from sharing an id, a directory or a
// DPDK file prefix.
import { randomBytes } from "node:crypto";

/** `20261202-112924`: a run's start to the second, UTC; also the stamp of result directories that are not runs. */
export function runStamp(at: Date = new Date()): string {
  return at.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
}

/** A new run's id; `what` says what it runs (`udp-rate`, `scenario-quick`, `demo`). */
export function newRunId(what: string, at: Date = new Date()): string {
  return `${runStamp(at)}-${what}-${randomBytes(4).toString("hex")}`;
}

/** The id's stamp and random tail only: what the engines' DPDK file prefixes carry (they have a length limit). */
export function engineRunId(runId: string): string {
  const m = /^(\d{8}-\d{6})-.*-([0-9a-f]{8})$/.exec(runId);
  return m ? `${m[1]}-${m[2]}` : runId.slice(0, 24);
}
