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

type Fetch = (request: Request, ...rest: never[]) => Response | Promise<Response>;

/** `fetch` that answers the two hot reads itself and hands every other request to `next`. */
export function withFastReads<F extends Fetch>(next: F, o: { store: RunStore; registry: RunRegistry; token: string }): F {
  const accepted = bearerCheck(o.token);
  const fast = ((request: Request, ...rest: never[]) => {
    if (request.method === "GET") {
      const url = request.url;
      // An absolute URL: the path starts at the first "/" after "scheme://".
      const slash = url.indexOf("/", url.indexOf("//") + 2);
      const path = slash < 0 ? "/" : url.slice(slash);
      if ((path === "/runs" || path === "/metrics") && accepted(request.headers.get("authorization"))) {
        return path === "/runs" ? runListResponse(o.store, o.registry, DEFAULT_RUNS_LIMIT) : metricsResponse(o.store, o.registry);
      }
    }
    return next(request, ...rest);
  }) as F;
  return fast;
}
