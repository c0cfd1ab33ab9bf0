// The zod form of a VLAN tag list, for POST /runs and scenario files alike:
// each tag a number (the ID) or "ID,PCP", at most two, refused with the
// same words as the CLI's --vlan.
import { z } from "zod";
import { MAX_VLAN_TAGS, parseVlanTag, type VlanTag } from "./vlan-tag.ts";

const vlanTagSchema = z.union([z.number(), z.string()], { error: "must be a VLAN ID or 'ID,PCP'" }).transform((v, ctx): VlanTag => {
  try {
    return parseVlanTag(v);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
    return z.NEVER;
  }
});

export const vlanTagsSchema = z.array(vlanTagSchema).min(1, "give at least one tag").max(MAX_VLAN_TAGS, `at most ${MAX_VLAN_TAGS} tags (outer, inner)`);
