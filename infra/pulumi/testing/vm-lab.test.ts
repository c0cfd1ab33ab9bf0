// endOrphans on processes and a bridge made here, under a prefix of this
// test's own (never the VM suite's, whose lab may be running): a pid file whose
// process names the prefix ends it; one whose PID now belongs to a process that
// does not name it, or to something that is not qemu or dnsmasq, leaves it
// running; the prefix's bridges go.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { endOrphans } from "./vm-lab.ts";

const PREFIX = `wlt-orp${process.pid % 10000}`;
const BRIDGE = `${PREFIX}-mg`;
let pidDir: string;
const children: ChildProcess[] = [];

/** A long sleeper whose command line reads as `argv0 ...args` (the system python3, not a re-executing shim, keeps argv0 and extra arguments). */
function sleeper(argv0: string, ...args: string[]): ChildProcess {
  const c = spawn("/usr/bin/python3", ["-c", "import time; time.sleep(600)", ...args], { argv0, stdio: "ignore" });
  children.push(c);
  return c;
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

beforeAll(() => {
  pidDir = mkdtempSync(join(tmpdir(), `${PREFIX}-run-`));
});

afterAll(() => {
  for (const c of children) if (alive(c) && c.pid !== undefined) process.kill(c.pid, "SIGKILL");
  spawnSync("ip", ["link", "del", BRIDGE]);
  rmSync(pidDir, { recursive: true, force: true });
});

describe("endOrphans", () => {
  test("ends by PID the qemu and dnsmasq its prefix's pid files name, leaves a reused PID and another prefix alone, deletes its bridges", async () => {
    const dnsmasq = sleeper("/usr/sbin/dnsmasq", `--conf-file=/var/lib/libvirt/dnsmasq/${PREFIX}-mg.conf`, "--leasefile-ro");
    const qemu = sleeper("/usr/bin/qemu-system-x86_64", "-name", `guest=${PREFIX}-tx,debug-threads=on`);
    // The network's pid file now points at a PID reused by a process that is not ours.
    const reused = sleeper("/usr/bin/python3", "unrelated");
    const other = sleeper("/usr/sbin/dnsmasq", "--conf-file=/var/lib/libvirt/dnsmasq/someone-else.conf");
    writeFileSync(join(pidDir, `${PREFIX}-mg.pid`), `${dnsmasq.pid}\n`);
    writeFileSync(join(pidDir, `${PREFIX}-tx.pid`), `${qemu.pid}\n`);
    writeFileSync(join(pidDir, `${PREFIX}-seg.pid`), `${reused.pid}\n`);
    writeFileSync(join(pidDir, "someone-else.pid"), `${other.pid}\n`);
    const add = spawnSync("ip", ["link", "add", BRIDGE, "type", "bridge"], { encoding: "utf8" });
    expect(add.stderr).toBe("");
    await Bun.sleep(200);

    const done = await endOrphans(PREFIX, [pidDir]);
    await Bun.sleep(200);
    expect(done.sort()).toEqual([`bridge ${BRIDGE}`, `dnsmasq ${dnsmasq.pid} (${PREFIX}-mg.pid)`, `qemu-system-x86_64 ${qemu.pid} (${PREFIX}-tx.pid)`].sort());
    expect(alive(dnsmasq)).toBe(false);
    expect(alive(qemu)).toBe(false);
    expect(alive(reused)).toBe(true);
    expect(alive(other)).toBe(true);
    // The prefix's pid files are gone (the stale one too); another's is left.
    expect(readdirSync(pidDir)).toEqual(["someone-else.pid"]);
    expect(existsSync(`/sys/class/net/${BRIDGE}`)).toBe(false);
    // Nothing left: a second pass does nothing.
    expect(await endOrphans(PREFIX, [pidDir])).toEqual([]);
  }, 30_000);
});
