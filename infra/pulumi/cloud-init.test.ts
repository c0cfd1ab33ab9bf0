// The VM seed for a dual-stack lab: the test NIC gets its static v6 address and
// takes no router advertisements; a v4-only lab renders as before.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { parseLab } from "../src/lab-model.ts";
import { renderDpdkConf, renderNetworkConfig, renderUserData } from "./cloud-init.ts";

const labFile = (name: string) => parseLab(readFileSync(join(import.meta.dir, "..", "labs", `${name}.yaml`), "utf8"), name);
const seed = { sshUser: "lab", sshPublicKey: "ssh-ed25519 AAAA x", hostKeyPrivate: "PRIV", hostKeyPublic: "ssh-ed25519 BBBB h", hugepages: 0 };

describe("cloud-init network config, dual stack", () => {
  test("the test NIC has its v4 and v6 addresses and accept-ra off; management stays DHCPv4 only", () => {
    const lab = labFile("dual-stack");
    const [tx, rx] = lab.hosts;
    const net = parse(renderNetworkConfig(lab, rx!));
    expect(net.version).toBe(2);
    expect(net.ethernets.eth1).toEqual({
      match: { macaddress: rx!.interfaces[0]!.mac },
      "set-name": "eth1",
      addresses: ["198.18.66.2/24", "2001:2:0:42::2/64"],
      mtu: 1500,
      "accept-ra": false,
    });
    expect(net.ethernets.eth0).toEqual({ match: { macaddress: rx!.mgmt.mac }, "set-name": "eth0", dhcp4: true });
    expect(parse(renderNetworkConfig(lab, tx!)).ethernets.eth1.addresses).toEqual(["198.18.66.1/24", "2001:2:0:42::1/64"]);
    expect(renderDpdkConf(rx!, 0)).toContain("TEST_IPV6=2001:2:0:42::2/64\n");
  });

  test("a network that asks for router advertisements gets accept-ra true; a DUT forwards v6 too", () => {
    const lab = parseLab(
      "name: l\nipv6: true\nnetworks:\n  - name: a\n  - name: b\n    accept_ra: true\nhosts:\n  - name: d\n    role: dut\n    interfaces: [{network: a}, {network: b, ip6: '2001:2:0:1::fe'}]\n",
    );
    const d = lab.hosts[0]!;
    const net = parse(renderNetworkConfig(lab, d));
    expect(net.ethernets.eth1["accept-ra"]).toBe(false);
    expect(net.ethernets.eth2).toMatchObject({ addresses: ["198.18.1.1/24", "2001:2:0:1::fe/64"], "accept-ra": true });
    const files = parse(renderUserData(lab, d, seed)).write_files as { path: string; content: string }[];
    expect(files.find((f) => f.path === "/etc/sysctl.d/90-wirelab.conf")!.content).toBe("net.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 1\n");
  });

  test("a host beside a dual-stack DUT has its v4 and v6 routes through the DUT on its test NIC", () => {
    const lab = parseLab(readFileSync(join(import.meta.dir, "..", "labs", "dut.yaml"), "utf8").replace(/^name: dut$/m, "name: dut\nipv6: true"));
    const net = parse(renderNetworkConfig(lab, lab.hosts[0]!));
    expect(net.ethernets.eth1.routes).toEqual([
      { to: "198.18.11.0/24", via: "198.18.10.254" },
      { to: "2001:2:0:1::/64", via: "2001:2::2" },
    ]);
  });

  test("a v4-only lab has no v6 address, no accept-ra key, no TEST_IPV6", () => {
    const lab = labFile("two-host");
    const net = parse(renderNetworkConfig(lab, lab.hosts[0]!));
    expect(net.ethernets.eth1.addresses).toEqual(["198.18.0.1/24"]);
    expect("accept-ra" in net.ethernets.eth1).toBe(false);
    expect(renderDpdkConf(lab.hosts[0]!, 0)).not.toContain("IPV6");
  });
});
