import { describe, expect, test } from "bun:test";
import { coreUsage, hostSample } from "./host-sample.ts";
import { parseInterfaceStats, parseMeminfo, parseProcStat, parseSnapshot, snapshotCommand } from "./host-snapshot.ts";

const STAT = `cpu  100 0 50 800 10 0 40 0 0 0
cpu0 60 0 30 400 5 0 30 0 0 0
cpu1 40 0 20 400 5 0 10 0 0 0
intr 12345 0 0
ctxt 999
`;
const MEM = `MemTotal:        2000000 kB
MemFree:          500000 kB
MemAvailable:    1500000 kB
`;

describe("monitor parsers", () => {
  test("/proc/stat per core", () => {
    const cpus = parseProcStat(STAT);
    expect(Object.keys(cpus)).toEqual(["cpu", "cpu0", "cpu1"]);
    expect(cpus.cpu0).toEqual({ user: 60, nice: 0, system: 30, idle: 400, iowait: 5, irq: 0, softirq: 30, steal: 0 });
  });

  test("short /proc/stat lines read missing columns as zero", () => {
    expect(parseProcStat("cpu 1 2 3 4\n").cpu!.softirq).toBe(0);
  });

  test("/proc/meminfo total and available, free where available is missing", () => {
    expect(parseMeminfo(MEM)).toEqual({ totalKb: 2000000, availableKb: 1500000 });
    expect(parseMeminfo("MemTotal: 10 kB\nMemFree: 4 kB\n")).toEqual({ totalKb: 10, availableKb: 4 });
  });

  test("interface statistics from grep output", () => {
    expect(parseInterfaceStats("/sys/class/net/eth1/statistics/rx_packets:12\n/sys/class/net/eth1/statistics/tx_bytes:3400\n")).toEqual({ rx_packets: 12, tx_bytes: 3400 });
  });

  test("one command for all three, interface names checked", () => {
    const argv = snapshotCommand(["eth1", "eth2"]);
    expect(argv.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(argv[2]).toContain("/sys/class/net/eth2/statistics/*");
    expect(() => snapshotCommand(["eth1; rm -rf /"])).toThrow(/not an interface name/);
  });

  test("snapshot and deltas over an interval", () => {
    const out = (rx: number, stat: string) => `@@stat\n${stat}@@mem\n${MEM}@@if eth1\n/sys/class/net/eth1/statistics/rx_packets:${rx}\n/sys/class/net/eth1/statistics/tx_packets:7\n`;
    const a = parseSnapshot(out(100, STAT), 1000);
    const b = parseSnapshot(out(600, STAT.replace("cpu0 60 0 30 400 5 0 30", "cpu0 110 0 30 420 5 0 60")), 1500);
    expect(b.interfaces.eth1).toEqual({ rx_packets: 600, tx_packets: 7 });
    const s = hostSample("tx", a, b);
    expect(s.intervalS).toBe(0.5);
    expect(s.interfaces.eth1!.delta.rx_packets).toBe(500);
    expect(s.interfaces.eth1!.rxPps).toBe(1000);
    expect(s.interfaces.eth1!.txPps).toBe(0);
    // cpu0: +50 user, +20 idle, +30 softirq over 100 jiffies.
    expect(s.cpu.cpu0).toEqual({ user: 50, system: 0, softirq: 30, idle: 20, busy: 80 });
    expect(s.cpu.cpu1!.idle).toBe(100);
    expect(s.memory.usedPct).toBe(25);
  });

  test("a snapshot without /proc/stat is an error", () => {
    expect(() => parseSnapshot("@@mem\n" + MEM, 0)).toThrow(/no 'cpu' line/);
  });

  test("counters that went backwards count from zero", () => {
    const z = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
    expect(coreUsage(z, z).idle).toBe(100);
    const a = { atMs: 0, cpus: { cpu: z }, memory: { totalKb: 1, availableKb: 1 }, interfaces: { eth1: { rx_packets: 900 } } };
    const b = { ...a, atMs: 1000, interfaces: { eth1: { rx_packets: 5 } } };
    expect(hostSample("h", a, b).interfaces.eth1!.delta.rx_packets).toBe(5);
  });
});
