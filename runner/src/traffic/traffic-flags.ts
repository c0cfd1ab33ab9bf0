// The traffic command's flags that need more than a number: each bad value is
// a UsageError (exit 2) that names the flag as the user typed it.
import { UsageError } from "../paths.ts";
import { parseVlanTag, vlanStackProblem, type VlanTag } from "./vlan-tag.ts";

export function vlanFlags(values: readonly string[] | undefined): VlanTag[] | undefined {
  if (!values?.length) return undefined;
  const tags = values.map((v) => {
    try {
      return parseVlanTag(v);
    } catch (err) {
      throw new UsageError(`--vlan: ${(err as Error).message}`);
    }
  });
  const problem = vlanStackProblem(tags);
  if (problem) throw new UsageError(`--vlan: ${problem}`);
  return tags;
}

export function wholeInRange(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new UsageError(`${flag}: '${value}' is not a whole number ${min}..${max}`);
  return n;
}
