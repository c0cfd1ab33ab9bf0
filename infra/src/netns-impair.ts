// Link impairments on a running netns lab, as the runner sees them (the lab itself is
// netns-lab.ts): the path this machine gets, applying and reading impairments, wire logs.
export { applyImpairments, detectImpairPath, readImpairments, type AppliedPoint, type PathChoice, type PointState } from "./netns/impairments.ts";
export { WIRE_LOG_DIR } from "./netns/wire-names.ts";
