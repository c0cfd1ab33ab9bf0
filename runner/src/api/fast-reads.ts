// GET /runs and GET /metrics, the routes pollers and Prometheus hit, answered
// before Hono: routing, the middleware chain and the context cost more than
// the cached body itself (about half the API's time per request under wrk).
// Only the plain, authorised request is answered here; anything else (a query
// string, HEAD, a wrong token) goes on to the app, which answers it as before.
import { bearerCheck } from "./auth.ts";
import { metricsResponse } from "./metrics.ts";
import { DEFAULT_RUNS_LIMIT, runListResponse } from "./run-list.ts";
import type { RunRegistry } from "./run-registry.ts";
import type { RunStore } from "../store/run-store.ts";

// Named parameters, not a rest array: Bun calls fetch(request, server) per request, and a rest array is an allocation.
type Fetch = (request: Request, env?: never, ctx?: never) => Response | Promise<Response>;

/** `fetch` that answers the two hot reads itself and hands every other request to `next`. */
export function withFastReads<F extends Fetch>(next: F, o: { store: RunStore; registry: RunRegistry; token: string }): F {
  const accepted = bearerCheck(o.token);
  const fast = ((request: Request, env?: never, ctx?: never) => {
    if (request.method === "GET") {
      const url = request.url;
      // An absolute URL: the path starts at the first "/" after "scheme://"; compared in place, without a substring.
      const slash = url.indexOf("/", url.indexOf("//") + 2);
      const tail = url.length - slash;
      const runs = slash > 0 && tail === 5 && url.startsWith("/runs", slash);
      if ((runs || (slash > 0 && tail === 8 && url.startsWith("/metrics", slash))) && accepted(request.headers.get("authorization"))) {
        return runs ? runListResponse(o.store, o.registry, DEFAULT_RUNS_LIMIT) : metricsResponse(o.store, o.registry);
      }
    }
    return next(request, env, ctx);
  }) as F;
  return fast;
}
