// 802.1Q tags as the engine's --vlan takes them: "ID[,PCP]", outer first, at
// most two (QinQ). Parsed and checked here once, so the CLI, POST /runs and
// scenario files refuse the same values with the same words.

export interface VlanTag {
  /** VLAN ID, 1..4094: 0 and 4095 are reserved (IEEE 802.1Q Table 9-2), and the engine sends neither. */
  readonly id: number;
  /** Priority code point, 0..7. */
  readonly pcp?: number;
}

export const MAX_VLAN_TAGS = 2;

/** The problem with one tag, or undefined when it is good. */
export function vlanTagProblem(tag: VlanTag): string | undefined {
  if (!Number.isInteger(tag.id) || tag.id < 1 || tag.id > 4094) return `VLAN ID ${tag.id} is outside 1..4094`;
  if (tag.pcp !== undefined && (!Number.isInteger(tag.pcp) || tag.pcp < 0 || tag.pcp > 7)) return `PCP ${tag.pcp} is outside 0..7`;
  return undefined;
}

/** "100" or "100,5" (or a bare number); throws a one-line Error without the field's name (the caller adds it). */
export function parseVlanTag(value: string | number): VlanTag {
  const text = String(value).trim();
  const m = /^(\d+)(?:,(\d+))?$/.exec(text);
  if (!m) throw new Error(`'${text}' is not ID or ID,PCP (e.g. 100 or 100,5)`);
  const tag: VlanTag = { id: Number(m[1]), ...(m[2] !== undefined ? { pcp: Number(m[2]) } : {}) };
  const problem = vlanTagProblem(tag);
  if (problem) throw new Error(problem);
  return tag;
}

export function vlanStackProblem(tags: readonly VlanTag[]): string | undefined {
  if (tags.length > MAX_VLAN_TAGS) return `${tags.length} tags: at most ${MAX_VLAN_TAGS} (outer, inner)`;
  for (const t of tags) {
    const p = vlanTagProblem(t);
    if (p) return p;
  }
  return undefined;
}

/** The engine's argument for one tag. */
export const vlanArg = (t: VlanTag): string => (t.pcp === undefined ? String(t.id) : `${t.id},${t.pcp}`);
