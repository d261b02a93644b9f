/**
 * Scrapes a /metrics endpoint and parses the Prometheus text exposition format (version 0.0.4):
 * `# HELP` / `# TYPE` lines and samples `name{label="value",…} value`, with the format's escapes.
 * Strict: any line it cannot read fails the test, so a malformed exposition cannot pass. (The one
 * npm parser for this format folds labelled histograms into a single sample, so it cannot be used.)
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly contentType: string;
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string, line: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  // Prometheus reads NaN in any letter case; prom-client writes an unsampled gauge as "Nan".
  if (text.toLowerCase() === "nan") return NaN;
  const value = Number(text);
  if (text === "" || Number.isNaN(value)) throw new Error(`bad sample value in: ${line}`);
  return value;
}

function parseSample(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error(`bad metric name in: ${line}`);
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    rest = rest.slice(1);
    while (!rest.startsWith("}")) {
      const label = LABEL_NAME.exec(rest)?.[0];
      if (!label || rest[label.length] !== "=" || rest[label.length + 1] !== '"') throw new Error(`bad label in: ${line}`);
      rest = rest.slice(label.length + 2);
      let value = "";
      for (;;) {
        const char = rest[0];
        if (char === undefined) throw new Error(`unterminated label value in: ${line}`);
        rest = rest.slice(1);
        if (char === '"') break;
        if (char === "\\") {
          const escaped = rest[0];
          rest = rest.slice(1);
          value += escaped === "n" ? "\n" : escaped === "\\" ? "\\" : escaped === '"' ? '"' : `\\${escaped ?? ""}`;
        } else value += char;
      }
      labels[label] = value;
      if (rest.startsWith(",")) rest = rest.slice(1);
      else if (!rest.startsWith("}")) throw new Error(`bad label separator in: ${line}`);
    }
    rest = rest.slice(1);
  }
  const parts = rest.trim().split(/\s+/);
  if (!rest.startsWith(" ") || parts.length < 1 || parts.length > 2) throw new Error(`bad sample in: ${line}`);
  return { name, labels, value: parseValue(parts[0] ?? "", line) };
}

export function parseExposition(text: string, contentType = ""): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta) {
      (meta[1] === "TYPE" ? types : help).set(meta[2]!, meta[3]!);
      continue;
    }
    if (line.startsWith("#")) continue;
    samples.push(parseSample(line));
  }
  for (const [name, type] of types) {
    if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(type)) throw new Error(`bad type ${type} for ${name}`);
  }
  return { contentType, types, help, samples };
}

export async function scrape(url: string): Promise<Exposition> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
  return parseExposition(await response.text(), response.headers.get("content-type") ?? "");
}

function key(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${value}`)
    .join(",");
}

/**
 * The samples of one series name as `{ "label=value,…": number }` (`""`: no labels). The family must
 * have been declared with # TYPE (a histogram's `_count` belongs to its family).
 */
export function series(exposition: Exposition, name: string): Record<string, number> {
  const family = name.replace(/_(count|sum|bucket)$/, "");
  if (!exposition.types.has(name) && !exposition.types.has(family)) throw new Error(`no metric family ${name}`);
  return Object.fromEntries(exposition.samples.filter((sample) => sample.name === name).map((s) => [key(s.labels), s.value]));
}
