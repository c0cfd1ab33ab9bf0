// What the README's two commands do first on a new machine: install the Debian
// packages images/provision.sh lists, and build the C parts.
import { join } from "node:path";
import { REPO_ROOT } from "./paths.ts";

export async function streamed(argv: string[], env: Record<string, string> = {}): Promise<number> {
  const proc = Bun.spawn(argv, { cwd: REPO_ROOT, stdout: "inherit", stderr: "inherit", stdin: "ignore", env: { ...process.env, ...env } });
  return proc.exited;
}

/**
 * Runs images/provision.sh when its --check finds something missing. Needs root.
 * `core` runs labs, traffic and XDP; `test` adds what the tests use (libvirt, a headless browser).
 */
export async function ensureProvisioned(log: (line: string) => void, profile: "core" | "test" = "core"): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("installing wirelab's Debian packages needs root: run as root or with sudo");
  const script = join(REPO_ROOT, "images", "provision.sh");
  if (Bun.spawnSync(["bash", script, "--check", "--quiet", "--profile", profile]).exitCode === 0) return;
  log(`installing missing Debian packages with images/provision.sh --profile ${profile}`);
  if ((await streamed(["bash", script, "--profile", profile])) !== 0) throw new Error("images/provision.sh failed (see its output above)");
}
