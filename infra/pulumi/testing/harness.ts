// Pulumi mocks that also record what the program declared: every resource
// with its parent, dependencies, secret outputs and raw (secret-marked)
// inputs. Unit tests answer with canned outputs; the VM suite answers by
// running each command for real, in the order the runtime releases them.
import * as pulumi from "@pulumi/pulumi";

export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  urn: string;
  readonly parent: string;
  readonly dependencies: readonly string[];
  readonly additionalSecretOutputs: readonly string[];
  readonly deleteBeforeReplace: boolean;
  /** Inputs as the runtime sent them (deserialized, secrets unwrapped). */
  readonly inputs: Record<string, any>;
  /** Input names the runtime sent as secrets. */
  readonly secretInputs: readonly string[];
  state?: Record<string, any>;
}

export type Responder = (reg: Registration) => Promise<Record<string, any>> | Record<string, any>;

export interface Recorder {
  readonly registrations: Registration[];
  byName(name: string): Registration;
  ofType(type: string): Registration[];
  childrenOf(urn: string): Registration[];
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

function secretKeys(obj: Record<string, any>): string[] {
  return Object.entries(obj)
    .filter(([, v]) => v && typeof v === "object" && v[SIG_KEY] === SECRET_SIG)
    .map(([k]) => k);
}

/**
 * Installs fresh mocks and config. Called in every test file's beforeAll: the
 * runtime keeps its state on the global object, which bun's --isolate renews
 * per file, but a file must not depend on being run that way.
 */
export async function installMocks(respond: Responder, config: Record<string, string> = {}): Promise<Recorder> {
  const registrations: Registration[] = [];
  const pending = new Map<string, Registration>();
  pulumi.runtime.setAllConfig(config, []);
  await pulumi.runtime.setMocks(
    {
      newResource: async (args) => {
        const reg = pending.get(`${args.type}::${args.name}`);
        if (!reg) throw new Error(`mock saw ${args.type} ${args.name} without its request`);
        pending.delete(`${args.type}::${args.name}`);
        const state = reg.custom ? await respond(reg) : {};
        reg.state = state;
        return { id: reg.custom ? `${args.name}-id` : undefined, state };
      },
      call: (args) => {
        throw new Error(`unexpected provider call ${args.token}`);
      },
    },
    "wirelab",
    "test",
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as any;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: any, res: any) => void) => {
    const raw = req.getObject()?.toJavaScript() ?? {};
    const reg: Registration = {
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      urn: "",
      parent: req.getParent(),
      dependencies: req.getDependenciesList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      inputs: unwrapSecrets(raw),
      secretInputs: secretKeys(raw),
    };
    pending.set(`${reg.type}::${reg.name}`, reg);
    registrations.push(reg);
    return original(req, (err: any, res: any) => {
      if (res) reg.urn = res.getUrn();
      callback(err, res);
    });
  };
  return {
    registrations,
    byName(name) {
      const r = registrations.find((x) => x.name === name);
      if (!r) throw new Error(`no resource named ${name} (have: ${registrations.map((x) => x.name).join(", ")})`);
      return r;
    },
    ofType: (type) => registrations.filter((r) => r.type === type),
    childrenOf: (urn) => registrations.filter((r) => r.parent === urn),
  };
}

function unwrapSecrets(value: any): any {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    if (value[SIG_KEY] === SECRET_SIG) return unwrapSecrets(value.value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/**
 * Delete order recovered from the declared graph: a resource goes only after
 * everything that depends on it. A dependency on a component means a
 * dependency on every custom resource below it.
 */
export function deleteOrder(regs: readonly Registration[]): Registration[] {
  const byUrn = new Map(regs.map((r) => [r.urn, r]));
  const customsBelow = (urn: string): string[] => {
    const r = byUrn.get(urn);
    if (!r) return [];
    if (r.custom) return [urn];
    return regs.filter((c) => c.parent === urn).flatMap((c) => customsBelow(c.urn));
  };
  const customs = regs.filter((r) => r.custom);
  const deps = new Map(customs.map((r) => [r.urn, new Set(r.dependencies.flatMap(customsBelow))]));
  // dependents[x] = resources that must be deleted before x
  const dependents = new Map<string, Set<string>>(customs.map((r) => [r.urn, new Set<string>()]));
  for (const [urn, ds] of deps) for (const d of ds) dependents.get(d)?.add(urn);
  const done = new Set<string>();
  const order: Registration[] = [];
  while (order.length < customs.length) {
    const ready = customs.filter((r) => !done.has(r.urn) && [...dependents.get(r.urn)!].every((u) => done.has(u)));
    if (ready.length === 0) throw new Error("dependency cycle among declared resources");
    // Reverse declaration order among the ready ones, as Pulumi's engine deletes.
    for (const r of ready.reverse()) {
      done.add(r.urn);
      order.push(r);
    }
  }
  return order;
}
