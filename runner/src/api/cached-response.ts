// A GET's body kept between two changes to the store (or to the runs its server
// drives), so a poller costs a comparison of change counters, not the queries
// and the serialisation. Kept per server (its registry), so two servers on one
// store do not evict each other's. Sent as clones of one Response: a clone
// shares its Blob's bytes (a string or an array would be encoded or copied per
// request) and copies the header list, cheaper than a new Response from a
// header object.
import type { RunStore } from "../store/run-store.ts";
import type { RunRegistry } from "./run-registry.ts";

export interface CachedBody {
  readonly text: string;
  readonly response: Response;
}

interface Entry extends CachedBody {
  readonly store: RunStore;
  readonly stamp: number;
  readonly active: number;
}

export class ResponseCache<K> {
  private readonly byServer = new WeakMap<RunRegistry, Map<K, Entry>>();

  /** `render` makes the body for a key; given here, not per request, so a request that hits allocates no closure. */
  constructor(
    private readonly contentType: string,
    private readonly render: (store: RunStore, registry: RunRegistry, key: K) => string,
  ) {}

  /** The body for `key` as of the store's and the registry's latest change, rendered again when either moved. */
  get(store: RunStore, registry: RunRegistry, key: K): CachedBody {
    const stamp = store.changeStamp();
    let byKey = this.byServer.get(registry);
    if (!byKey) this.byServer.set(registry, (byKey = new Map()));
    const hit = byKey.get(key);
    if (hit !== undefined && hit.stamp === stamp && hit.store === store && hit.active === registry.version) return hit;
    const text = this.render(store, registry, key);
    // An untyped Blob and the header set here: Bun.serve would send a Blob's own type (with a charset, without
    // /metrics' version parameter).
    const entry = { store, stamp, active: registry.version, text, response: new Response(new Blob([text]), { headers: { "Content-Type": this.contentType } }) };
    byKey.set(key, entry);
    return entry;
  }

  /** A copy of the body's Response to send. */
  response(store: RunStore, registry: RunRegistry, key: K): Response {
    // clone() is typed as undici's Response; at run time it is Bun's, like the original.
    return this.get(store, registry, key).response.clone() as Response;
  }
}
