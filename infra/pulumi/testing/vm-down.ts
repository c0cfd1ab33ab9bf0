// `bun infra/pulumi/testing/vm-down.ts`: removes the VM suite's lab left
// running by WIRELAB_VM_KEEP=1 (or a run killed half-way), then stops the
// libvirtd and virtlogd a test run started, after ending the lab's orphan
// qemu and dnsmasq (endOrphans). Prints what it removed.
import { ensureLibvirtd, virsh } from "./libvirtd.ts";
import { endOrphans, removeVmLab, VM_PREFIX } from "./vm-lab.ts";

const daemon = await ensureLibvirtd();
// First, while libvirt's pid files are still there: qemu and dnsmasq of the lab that outlived their libvirtd.
const ended = await endOrphans();
const domains = virsh(daemon.uri, "list", "--all", "--name").stdout.split("\n").map((s) => s.trim()).filter((s) => s.startsWith(`${VM_PREFIX}-`));
const failures = removeVmLab(daemon.uri);
const stopping = daemon.started.length > 0;
await daemon.stop();
console.log(`vm-down: removed ${domains.length ? domains.join(", ") : "no domain"}${ended.length ? `; ended ${ended.join(", ")}` : ""}${stopping ? "; stopped the libvirtd a test run started" : ""}`);
if (failures.length > 0) {
  console.error(`vm-down: ${failures.join("; ")}`);
  process.exit(1);
}
