/**
 * Option and argument parsers shared by the commands: enum values checked with a message naming the
 * option, the allowed values and the closest one; whole numbers checked as such.
 */
import { Argument, InvalidArgumentError, Option } from "commander";
import { didYouMean } from "../controller/pipeline/did-you-mean.js";

function choiceParser(allowed: readonly string[], fold: boolean): (value: string) => string {
  return (raw) => {
    const value = fold ? raw.toLowerCase() : raw;
    if (allowed.includes(value)) return value;
    throw new InvalidArgumentError(`Allowed: ${allowed.join(", ")}.${didYouMean(raw, allowed)}`);
  };
}

/** An option taking one of `allowed` (listed in --help); `fold` accepts any case, as upstream's on/off. */
export function choiceOption(flags: string, description: string, allowed: readonly string[], fold = false): Option {
  return new Option(flags, description).choices(allowed).argParser(choiceParser(allowed, fold));
}

export function choiceArgument(name: string, description: string, allowed: readonly string[], fold = false): Argument {
  return new Argument(name, description).choices(allowed).argParser(choiceParser(allowed, fold));
}

/** A whole number ≥ min. */
export function wholeNumber(min = 0): (value: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isInteger(value) || value < min)
      throw new InvalidArgumentError(`Give a whole number of at least ${min}.`);
    return value;
  };
}
