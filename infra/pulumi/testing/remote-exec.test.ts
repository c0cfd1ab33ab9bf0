// The VM suite's CopyToRemote, run against a real OpenSSH server on loopback
// (its own host key, key-only login as this user): a copied tree must arrive
// whole, file by file, as the VM build needs it. A tree once reached the VM
// as an empty archive and only the build inside, half an hour later, said so.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { CommandExecutor } from "./executor.ts";
import type { Registration } from "./harness.ts";
import { copyDirectory, type RemoteConnection } from "./remote-exec.ts";

const root = join(import.meta.dir, "..", "..", "..");
let dir: string;
let sshd: ChildProcess | undefined;
let conn: RemoteConnection;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject).listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Every regular file under `top` with its mode and sha256, by path relative to it. */
function contents(top: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out[relative(top, p)] = `${(st.mode & 0o777).toString(8)} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`;
    }
  };
  walk(top);
  return out;
}

beforeAll(async () => {
  const sshdBin = ["/usr/sbin/sshd", "/usr/bin/sshd"].find(existsSync);
  if (!sshdBin) throw new Error("this test needs OpenSSH's sshd (Debian package openssh-server; run images/provision.sh)");
  dir = mkdtempSync(join(tmpdir(), "wlt-pul-copy-"));
  chmodSync(dir, 0o700);
  for (const k of ["host", "client"]) spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `wlt-pul-copy-${k}`, "-f", join(dir, k)]);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client.pub")), { mode: 0o600 });
  const port = await freePort();
  writeFileSync(
    join(dir, "sshd.conf"),
    [
      "ListenAddress 127.0.0.1",
      `Port ${port}`,
      `HostKey ${join(dir, "host")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "UseDNS no",
      "",
    ].join("\n"),
  );
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  // -D: it stays this test's child, ended by its PID afterwards.
  const child = spawn(sshdBin, ["-D", "-e", "-f", join(dir, "sshd.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  sshd = child;
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const end = Date.now() + 10_000;
  while (!err.includes("Server listening")) {
    if (child.exitCode !== null || Date.now() > end) throw new Error(`sshd did not start: ${err.trim()}`);
    await Bun.sleep(20);
  }
  conn = { host: "127.0.0.1", port, user: spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim(), privateKey: readFileSync(join(dir, "client"), "utf8") };
});

afterAll(async () => {
  if (sshd?.pid !== undefined && sshd.exitCode === null) {
    const exited = new Promise((r) => sshd!.once("exit", r));
    process.kill(sshd.pid, "SIGTERM");
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("CopyToRemote of a directory over SSH (a real sshd on loopback)", () => {
  test("the executor's copy of a FileArchive directory arrives complete: every file, its bytes and mode, into an existing directory", async () => {
    // Larger than a pipe's buffer and than ssh2's 2 MiB channel window, nested, empty and oddly named files.
    const src = join(dir, "src", "tree");
    mkdirSync(join(src, "a", "b", "c"), { recursive: true });
    writeFileSync(join(src, "big.bin"), randomBytes(3 * 1024 * 1024 + 17));
    writeFileSync(join(src, "a", "empty"), "");
    writeFileSync(join(src, "a", "b", "it's spaced.h"), "#define X 1\n");
    writeFileSync(join(src, "a", "b", "c", "run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
    const dest = join(dir, "remote");
    mkdirSync(dest);
    const exec = new CommandExecutor();
    const reg: Registration = {
      type: "command:remote:CopyToRemote",
      name: "wlt-pul-copy-tree",
      custom: true,
      urn: "urn:pulumi:test::wirelab::command:remote:CopyToRemote::wlt-pul-copy-tree",
      parent: "",
      dependencies: [],
      additionalSecretOutputs: [],
      deleteBeforeReplace: false,
      // A FileArchive as the runtime serializes it.
      inputs: { connection: conn, source: { "4dabf18193072939515e22adb298388d": "0def7320c3a5731c473e5ecbe6d01bc7", path: src }, remotePath: dest },
      secretInputs: [],
    };
    await exec.respond(reg);
    expect(exec.runs.map((r) => [r.phase, r.code])).toEqual([["create", 0]]);
    const sent = contents(src);
    expect(Object.keys(sent)).toHaveLength(4);
    expect(contents(join(dest, "tree"))).toEqual(sent);
  }, 60_000);

  test("the checkout's include/ arrives complete under a path that does not exist yet", async () => {
    const dest = join(dir, "fresh", "deeper", "include");
    const r = await copyDirectory(conn, join(root, "include"), dest);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    const sent = contents(join(root, "include"));
    expect(Object.keys(sent).length).toBeGreaterThan(0);
    expect(contents(dest)).toEqual(sent);
  }, 60_000);

  test("a directory tar cannot read is an error naming it, and nothing is unpacked", async () => {
    const missing = join(dir, "no-such-tree");
    const dest = join(dir, "remote-2");
    mkdirSync(dest);
    const r = await copyDirectory(conn, missing, dest);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`tar of ${missing} exited`);
    expect(readdirSync(dest)).toEqual([]);
  }, 60_000);
});
