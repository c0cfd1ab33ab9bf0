// The lab's ownership record kept current while a wire (impair-wire.ts) is
// made or removed on a running lab: the record lives in the state directory
// the lab registry names for the lab's prefix. During `up` the backend passes
// its own recorder instead (it holds the record in memory).
import type { Lab } from "../lab-model.ts";
import type { WireRecorder } from "./impair-wire.ts";
import { registeredLabs } from "./lab-registry.ts";
import { readRecord, writeRecord, type OwnershipRecord } from "./ownership.ts";

/** Applies a wire's changes to a record in memory. */
export function recordWireChange(record: OwnershipRecord): WireRecorder {
  return {
    namespace(name, inode) {
      if (inode === undefined) delete record.namespaces[name];
      else record.namespaces[name] = inode;
    },
    process(what, proc) {
      record.processes = record.processes.filter((p) => p.what !== what);
      if (proc) record.processes.push(proc);
    },
  };
}

/**
 * The record of a running lab, read and written at each change. A lab without a registry
 * entry or record (brought up by older code) gets none: its wire namespace still carries the
 * lab's mark, which is what `down` goes by.
 */
export function registryRecorder(lab: Lab): WireRecorder {
  const update = (change: (r: WireRecorder) => void) => {
    const entry = registeredLabs().find((l) => l.prefix === lab.prefix);
    if (!entry) return;
    const record = readRecord(entry.stateDir);
    if (!record || record.labId !== entry.labId) return;
    change(recordWireChange(record));
    writeRecord(entry.stateDir, record);
  };
  return {
    namespace: (name, inode) => update((r) => r.namespace(name, inode)),
    process: (what, proc) => update((r) => r.process(what, proc)),
  };
}
