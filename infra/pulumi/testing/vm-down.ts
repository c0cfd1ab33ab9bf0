// `bun infra/pulumi/testing/vm-down.ts`: removes the VM suite's lab left
// running by WIRELAB_VM_KEEP=1 (or a run killed half-way), then stops the
// libvirtd and virtlogd a test run started. Prints what it removed.
import { ensureLibvirtd, virsh } from "./libvirtd.ts";
import { removeVmLab, VM_PREFIX } from "./vm-lab.ts";

const daemon = await ensureLibvirtd();
const domains = virsh(daemon.uri, "list", "--all", "--name").stdout.split("\n").map((s) => s.trim()).filter((s) => s.startsWith(`${VM_PREFIX}-`));
const failures = removeVmLab(daemon.uri);
const stopping = daemon.started.length > 0;
await daemon.stop();
console.log(`vm-down: removed ${domains.length ? domains.join(", ") : "no domain"}${stopping ? "; stopped the libvirtd a test run started" : ""}`);
if (failures.length > 0) {
  console.error(`vm-down: ${failures.join("; ")}`);
  process.exit(1);
}
