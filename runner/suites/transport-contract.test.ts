// The contract every transport passes, against the real lab: the netns one on
// this machine and the SSH one through a real OpenSSH server in each host.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useLab } from "./use-lab.ts";
import { SshTransport } from "../src/transport/ssh-transport.ts";

const lab = useLab("two-host", { ssh: true });

for (const kind of ["netns", "ssh"] as const) {
  describe(`${kind} transport`, () => {
    test("runs in the right host: its test interface carries the host's address", async () => {
      for (const host of lab.inventory.hosts) {
        const r = await lab.transport(host.name, kind).exec(["ip", "-br", "addr", "show", "eth1"]);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`${host.interfaces[0]!.ipv4}/`);
      }
    });

    test("reports exit status and keeps stdout and stderr apart", async () => {
      const r = await lab.transport("tx", kind).exec(["sh", "-c", "echo out; echo err >&2; exit 7"]);
      expect(r).toMatchObject({ code: 7, signal: null, stdout: "out\n", stderr: "err\n" });
    });

    test("passes arguments through unchanged: spaces, quotes, $ and globs", async () => {
      const args = ["a b", "it's", "$HOME", "*", "", "semi;colon"];
      const r = await lab.transport("tx", kind).exec(["printf", "<%s>\\n", ...args]);
      expect(r.stdout).toBe(args.map((a) => `<${a}>\n`).join(""));
    });

    test("feeds stdin and sets environment variables", async () => {
      const r = await lab.transport("rx", kind).exec(["sh", "-c", 'cat; echo "[$WIRELAB_X]"'], { stdin: "hello\n", env: { WIRELAB_X: "a b" } });
      expect(r.stdout).toBe("hello\n[a b]\n");
    });

    test("streams output lines while the command runs", async () => {
      const seen: { line: string; at: number }[] = [];
      const started = Date.now();
      const proc = await lab.transport("tx", kind).spawn(["sh", "-c", "echo one; sleep 0.5; echo two"], {
        onStdoutLine: (line) => seen.push({ line, at: Date.now() - started }),
      });
      const r = await proc.exited;
      expect(r.code).toBe(0);
      expect(seen.map((s) => s.line)).toEqual(["one", "two"]);
      expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(400);
    });

    test("stop() ends the whole process group, children included", async () => {
      const marker = `${200 + Math.floor(Math.random() * 100)}.${Date.now() % 100000}`;
      const t = lab.transport("rx", kind);
      let ready!: () => void;
      const started = new Promise<void>((r) => (ready = r));
      const proc = await t.spawn(["sh", "-c", `sleep ${marker} & sleep ${marker} & echo started; wait`], {
        onStdoutLine: (l) => l === "started" && ready(),
      });
      expect(proc.pgid).toBeGreaterThan(1);
      await started;
      const before = await t.exec(["pgrep", "-f", `^sleep ${marker}$`]);
      expect(before.stdout.trim().split("\n")).toHaveLength(2);
      const r = await proc.stop(2000);
      expect(r.code === null || r.code !== 0).toBe(true);
      const after = await t.exec(["pgrep", "-f", `^sleep ${marker}$`]);
      expect(after.code).toBe(1);
    });

    test("an AbortSignal cancels like stop()", async () => {
      const controller = new AbortController();
      const proc = await lab.transport("tx", kind).spawn(["sleep", "30"], { signal: controller.signal });
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      await proc.exited;
      expect(Date.now() - started).toBeLessThan(5000);
    });

    test("uploads a file with its mode", async () => {
      const dir = mkdtempSync(join(tmpdir(), "wirelab-upload-"));
      const local = join(dir, "payload.sh");
      writeFileSync(local, "#!/bin/sh\necho uploaded-$1\n");
      const remote = `/tmp/wirelab-upload-${kind}-${process.pid}.sh`;
      const t = lab.transport("rx", kind);
      await t.upload(local, remote, 0o755);
      const r = await t.exec([remote, "ok"]);
      expect(r.stdout).toBe("uploaded-ok\n");
      expect((await t.exec(["stat", "-c", "%a", remote])).stdout.trim()).toBe("755");
      await t.exec(["rm", "-f", remote]);
      rmSync(dir, { recursive: true, force: true });
    });
  });
}

describe("ssh host key pinning", () => {
  test("a host whose key does not match the inventory is refused", async () => {
    const [tx, rx] = lab.inventory.hosts;
    // rx's address with tx's pinned key: the key rx presents cannot match.
    const wrong = new SshTransport("rx", { ...rx!.transports.ssh!, hostKey: tx!.transports.ssh!.hostKey });
    const attempt = wrong.exec(["true"]);
    await expect(attempt).rejects.toThrow(/does not match the pinned SHA256:.*refusing to connect/);
    await wrong.close();
  });

  test("the right key connects", async () => {
    const rx = lab.inventory.hosts[1]!;
    const right = new SshTransport("rx", rx.transports.ssh!);
    expect((await right.exec(["true"])).code).toBe(0);
    await right.close();
  });
});
