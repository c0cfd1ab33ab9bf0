// Pulumi entry point (Pulumi.yaml: main: infra/). Reads and validates the
// stack config once, builds the lab, exports the inventory the runner reads.
import * as pulumi from "@pulumi/pulumi";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG_KEYS, resolveStackConfig } from "./pulumi/config.ts";
import { defineLab } from "./pulumi/program.ts";

const NUMBERS = new Set(["hugepages", "waitTimeoutSeconds"]);
const BOOLEANS = new Set(["managementNat", "waitForSsh", "installTools"]);
const OBJECTS = new Set(["vm", "metalHosts"]);

function readRaw(): Record<string, unknown> {
  const config = new pulumi.Config("wirelab");
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = NUMBERS.has(key)
      ? config.getNumber(key)
      : BOOLEANS.has(key)
        ? config.getBoolean(key)
        : OBJECTS.has(key)
          ? config.getObject<unknown>(key)
          : config.get(key);
    if (value !== undefined) raw[key] = value;
  }
  const uri = new pulumi.Config("libvirt").get("uri");
  if (uri !== undefined) raw.libvirtUri = uri;
  return raw;
}

// The project directory: lab file paths in stack config are relative to it.
const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const wirelab = new pulumi.Config("wirelab");
const cfg = resolveStackConfig(readRaw(), projectDir, {
  // Metal needs the secret; libvirt takes it when set and otherwise reads sshPrivateKeyPath.
  ...(wirelab.get("backend") === "metal" || wirelab.get("sshPrivateKey") !== undefined ? { sshPrivateKey: wirelab.requireSecret("sshPrivateKey") } : {}),
});

export const inventory = defineLab(cfg).inventory;
