// GET /lab: the inventory as a client may see it. SSH key paths and anything
// named like a secret are removed; host key fingerprints (public) stay.
import type { Inventory } from "../../../infra/src/inventory.ts";

const SECRET_KEY = /^(keyPath|privateKey|passphrase|password|secret|token|apiToken)$/i;

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!SECRET_KEY.test(k)) out[k] = scrub(v);
    return out;
  }
  return value;
}

export function publicInventory(inv: Inventory): unknown {
  return scrub(inv);
}
