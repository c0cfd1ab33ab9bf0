// The netns backend as the runner sees it: a lab of namespaces on this machine, brought up
// and down, its inventory and namespaces found. Everything in netns/ behind these names is
// the backend's own and may change without the runner knowing. Impairing a running lab's
// links is netns-impair.ts: `lab up` and `down` of a lab without impairments load none of it.
export { builtLabPath, inventoryPath, NetnsBackend, type BuiltLab, type DownReport, type LabOptions, type StatusReport, type UpOptions } from "./netns/backend.ts";
export { BPF_PIN_ROOT } from "./netns/pins.ts";
export { netnsInventory } from "./netns/netns-inventory.ts";
export { OwnershipError } from "./netns/ownership.ts";
export { namespaces, pidsInNamespace, processStartTime, rootLinks } from "./netns/system.ts";
