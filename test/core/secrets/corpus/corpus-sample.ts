import { fillSlots } from "../fill-slots.js";

/** One snippet of the held-out corpus: what family it belongs to and where it was taken from. */
export interface CorpusSample {
  readonly family: string;
  /** The scanner test file the snippet comes from. */
  readonly source: string;
  /** Lines joined by `\n`; slots as in rule samples; `{·}` breaks a literal token (removed when read). */
  readonly text: string;
  /**
   * Set where this project's own rules decide differently from the scanner's label (a documentation password,
   * jwt.io's sample, a valid JWT listed as another rule's fp), with why: reported, left out of the thresholds.
   */
  readonly policy?: string;
}

/** A corpus snippet as the lines of an added file: breaks removed, slots filled from `seed`. */
export function corpusLines(sample: CorpusSample, seed: number): string[] {
  return fillSlots(sample.text.replaceAll("{·}", ""), seed).split("\n");
}
