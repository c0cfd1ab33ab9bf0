// The lab a suite file runs on, brought up before its first test and torn
// down after its last (also when a test fails), when the suite brought it up.
import { afterAll, beforeAll } from "bun:test";
import { startLab, type LabFixture } from "../src/lab-fixture.ts";

export function useLab(name: string, options: { ssh?: boolean } = {}): LabFixture {
  let current: LabFixture | undefined;
  beforeAll(async () => {
    current = await startLab(name, options);
  }, 30000);
  afterAll(async () => {
    await current?.down();
  }, 30000);
  const get = (): LabFixture => {
    if (!current) throw new Error(`lab '${name}' is not up: use it inside tests, after useLab's beforeAll ran`);
    return current;
  };
  return {
    get inventory() {
      return get().inventory;
    },
    get owned() {
      return get().owned;
    },
    transport: (host, kind) => get().transport(host, kind),
    closeTransports: () => get().closeTransports(),
    down: () => get().down(),
  };
}
