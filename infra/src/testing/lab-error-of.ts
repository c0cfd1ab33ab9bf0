// For tests of bad lab files: the LabError parsing `text` (as bad.yaml) throws.
import { LabError } from "../lab-error.ts";
import { parseLab } from "../lab-model.ts";

export function labErrorOf(text: string): LabError {
  try {
    parseLab(text, "bad.yaml");
  } catch (err) {
    if (err instanceof LabError) return err;
    throw err;
  }
  throw new Error("expected a LabError");
}
