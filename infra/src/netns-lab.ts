// The netns backend as the runner sees it: a lab of namespaces on this machine, brought up
// and down, its impairments changed, its inventory and namespaces found. Everything in
// netns/ behind these names is the backend's own and may change without the runner knowing.
export { builtLabPath, inventoryPath, NetnsBackend, type BuiltLab, type DownReport, type LabOptions, type StatusReport, type UpOptions } from "./netns/backend.ts";
export { applyImpairments, detectImpairPath, readImpairments, type AppliedPoint, type PathChoice, type PointState } from "./netns/impairments.ts";
export { BPF_PIN_ROOT } from "./netns/pins.ts";
export { netnsInventory } from "./netns/netns-inventory.ts";
export { OwnershipError } from "./netns/ownership.ts";
export { namespaces, pidsInNamespace, processStartTime, rootLinks } from "./netns/system.ts";
export { WIRE_LOG_DIR } from "./netns/impair-wire.ts";
