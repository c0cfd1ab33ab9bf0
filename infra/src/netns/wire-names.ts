// A wire's names (impair-wire.ts): its namespace, named for the switch port it sits on, and
// its engine's log file. Apart from the wire itself, so what only needs the names (`down`
// removing the logs, `status` telling a wire from an extra namespace) does not load the
// wire's engine code.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Engine logs (start, stats and summary lines), one per wire; removed with the wire and at `down`. */
export const WIRE_LOG_DIR = "/run/wirelab/wires";

/** The wire namespace of switch port `<prefix>-h<H>i<I>`: `<prefix>-wire-h<H>i<I>`. */
export function wireNamespaceName(switchPort: string): string {
  return switchPort.replace(/-(h\d+i\d+)$/, "-wire-$1");
}

/** True for a lab's wire namespaces (so `status` does not call them extra). */
export function isWireNamespaceName(prefix: string, name: string): boolean {
  return name.startsWith(`${prefix}-`) && /^wire-h\d+i\d+$/.test(name.slice(prefix.length + 1));
}

/** The log of the wire in namespace `ns`. */
export function wireLogPath(ns: string): string {
  return join(WIRE_LOG_DIR, `${ns}.log`);
}

/** At `down`: the logs of the lab's wires (their namespaces and engines go with the lab's own). */
export function removeWireLogs(prefix: string): void {
  if (!existsSync(WIRE_LOG_DIR)) return;
  for (const f of readdirSync(WIRE_LOG_DIR)) {
    if (f.endsWith(".log") && isWireNamespaceName(prefix, f.slice(0, -4))) rmSync(join(WIRE_LOG_DIR, f), { force: true });
  }
}
