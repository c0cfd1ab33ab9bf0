// Commands run on metal hosts over SSH. sshd does not pass arbitrary
// environment variables, so values are shell-quoted into the command text.
import type { Host } from "../src/lab-model.ts";
import { bindsDpdk } from "./names.ts";
import { shQuote } from "./scripts.ts";

export function provisionCommand(remoteDir: string, hugepages: number): string {
  return `bash ${shQuote(`${remoteDir}/images/provision.sh`)} --profile core --hugepages ${hugepages} --quiet`;
}

/** Writes the bind settings, installs the boot unit where systemd runs (so a reboot re-binds), binds, prints the env file. */
export function dpdkBindCommand(remoteDir: string, host: Host, hugepages: number): string {
  const metal = host.metal!;
  const ifc = host.interfaces[0]!;
  const conf = [
    `TEST_IFACE=${metal.test_nic}`,
    ...(metal.pci ? [`TEST_PCI=${metal.pci.toLowerCase()}`] : []),
    `DRIVER=${bindsDpdk(host) ? "auto" : "none"}`,
    `HUGEPAGES=${hugepages}`,
    `TEST_IPV4=${ifc.ip}/${ifc.prefixLen}`,
    ...(ifc.ip6 !== undefined ? [`TEST_IPV6=${ifc.ip6}/${ifc.prefixLen6}`] : []),
  ].join("\n");
  const script = `${remoteDir}/images/dpdk/wirelab-dpdk-bind.sh`;
  return [
    "set -eu",
    "install -d -m 0755 /etc/wirelab /usr/local/lib/wirelab",
    `printf '%s\\n' ${shQuote(conf)} > /etc/wirelab/dpdk.conf`,
    `install -m 0755 ${shQuote(script)} /usr/local/lib/wirelab/wirelab-dpdk-bind.sh`,
    `if [ -d /run/systemd/system ]; then install -m 0644 ${shQuote(`${remoteDir}/images/systemd/wirelab-dpdk-bind.service`)} /etc/systemd/system/ && systemctl daemon-reload && systemctl enable wirelab-dpdk-bind.service >/dev/null; fi`,
    "/usr/local/lib/wirelab/wirelab-dpdk-bind.sh",
    "cat /etc/wirelab/dpdk.env",
  ].join("\n");
}

export const DPDK_RELEASE = [
  "set -eu",
  "if [ -d /run/systemd/system ] && [ -e /etc/systemd/system/wirelab-dpdk-bind.service ]; then systemctl disable wirelab-dpdk-bind.service >/dev/null 2>&1 || true; rm -f /etc/systemd/system/wirelab-dpdk-bind.service; fi",
  "if [ -x /usr/local/lib/wirelab/wirelab-dpdk-bind.sh ]; then /usr/local/lib/wirelab/wirelab-dpdk-bind.sh --release || true; fi",
  "rm -f /etc/wirelab/dpdk.conf",
].join("\n");

export function buildCommand(remoteDir: string): string {
  const d = shQuote(remoteDir);
  // --reconfigure keeps an existing build directory (a re-run after a source change) instead of failing on it.
  // Only what the runner starts on a host: the test programs would double the compile time
  // (minutes in a VM without hardware virtualization); the BPF objects come with wirelab-xdp.
  const setup = (build: string, src: string, targets: string) =>
    `if [ -d ${build} ]; then meson setup --reconfigure ${build} ${src}; else meson setup ${build} ${src}; fi && ninja -C ${build} ${targets}`;
  return ["set -eu", `cd ${d}`, setup("build/engine", "engine", "wirelab-engine"), setup("build/xdp", "xdp", "wirelab-xdp wirelab-sink")].join("\n");
}

export function cleanupCommand(remoteDir: string): string {
  return `rm -rf ${shQuote(`${remoteDir}/build`)} ${shQuote(`${remoteDir}/images`)} ${shQuote(`${remoteDir}/include`)} ${shQuote(`${remoteDir}/engine`)} ${shQuote(`${remoteDir}/xdp`)}`;
}

/** One JSON object the program turns into the inventory's capabilities. */
export function capabilitiesCommand(testNic: string): string {
  const nic = shQuote(testNic);
  return `set -eu
. /etc/wirelab/dpdk.env 2>/dev/null || true
drv=$(ethtool -i ${nic} 2>/dev/null | sed -n 's/^driver: //p' || true)
case "$drv" in
  ixgbe|i40e|ice|igb|igc|mlx4_en|mlx5_core|bnxt_en|virtio_net|veth|nfp|qede|ena|sfc|tun) xdp=native ;;
  "") xdp=none ;;
  *) xdp=generic ;;
esac
bound=false
if [ -n "\${WIRELAB_DPDK_PCI:-}" ] && [ "\${WIRELAB_DPDK_DRIVER:-none}" != none ]; then bound=true; xdp=none; fi
afxdp=false; grep -qw XDP /proc/net/protocols 2>/dev/null && afxdp=true
[ "$afxdp" = true ] || { [ -e /sys/kernel/btf/vmlinux ] && afxdp=true; }
huge=$(awk '/HugePages_Total/ {print $2}' /proc/meminfo)
printf '{"xdp":"%s","afXdp":%s,"afPacket":true,"dpdkPci":%s,"hugepages":%s}\\n' "$xdp" "$afxdp" "$bound" "\${huge:-0}"
`;
}
