// What the README's two commands do first on a new machine: install the Debian
// packages images/provision.sh lists, and build the C parts.
import { join } from "node:path";
import { REPO_ROOT } from "./paths.ts";

export async function streamed(argv: string[], env: Record<string, string> = {}): Promise<number> {
  const proc = Bun.spawn(argv, { cwd: REPO_ROOT, stdout: "inherit", stderr: "inherit", stdin: "ignore", env: { ...process.env, ...env } });
  return proc.exited;
}

export type ProvisionProfile = "core" | "test" | "bench";

/**
 * Runs images/provision.sh when its --check finds something missing. Needs root.
 * `core` runs labs, traffic and XDP; `test` adds what the tests use (libvirt, a headless browser);
 * `bench` the reference tools benchmarks compare against (wrk, mininet, ...).
 * `what` names who needs them in the error a non-root user gets.
 */
export async function ensureProvisioned(log: (line: string) => void, profile: ProvisionProfile = "core", what = "wirelab"): Promise<void> {
  const script = join(REPO_ROOT, "images", "provision.sh");
  if (Bun.spawnSync(["bash", script, "--check", "--quiet", "--profile", profile], { stdout: "ignore", stderr: "ignore" }).exitCode === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${what}: Debian packages are missing (images/provision.sh --check --profile ${profile}); run as root to install them, or sudo images/provision.sh --profile ${profile}`);
  }
  log(`installing missing Debian packages with images/provision.sh --profile ${profile}`);
  if ((await streamed(["bash", script, "--profile", profile])) !== 0) throw new Error(`images/provision.sh --profile ${profile} failed (see its output above)`);
}
