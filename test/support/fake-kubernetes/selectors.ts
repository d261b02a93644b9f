/** Label and field selectors as the API server reads them (the subset the driver and kubectl send). */

type Requirement = (labels: Readonly<Record<string, string>>) => boolean;

export function parseLabelSelector(selector: string | undefined | null): Requirement {
  if (!selector) return () => true;
  const requirements: Requirement[] = [];
  // Split on commas outside parentheses (`a in (x,y),b=c`).
  const parts = selector.match(/(?:[^,(]+|\([^)]*\))+/g) ?? [];
  for (const raw of parts) {
    const part = raw.trim();
    let match: RegExpExecArray | null;
    if ((match = /^([^!=\s]+)\s*!=\s*(.*)$/.exec(part))) {
      const [, key = "", value = ""] = match;
      requirements.push((labels) => labels[key] !== value);
    } else if ((match = /^([^!=\s]+)\s*==?\s*(.*)$/.exec(part))) {
      const [, key = "", value = ""] = match;
      requirements.push((labels) => labels[key] === value);
    } else if ((match = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      const [, key = "", op, list = ""] = match;
      const values = new Set(list.split(",").map((v) => v.trim()));
      requirements.push((labels) => (op === "in" ? values.has(labels[key] ?? "\0") : !values.has(labels[key] ?? "\0")));
    } else if ((match = /^!(\S+)$/.exec(part))) {
      const key = match[1] ?? "";
      requirements.push((labels) => !(key in labels));
    } else {
      requirements.push((labels) => part in labels);
    }
  }
  return (labels) => requirements.every((requirement) => requirement(labels));
}

function fieldAt(object: unknown, dotted: string): unknown {
  return dotted
    .split(".")
    .reduce<unknown>(
      (value, key) => (value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined),
      object,
    );
}

export function parseFieldSelector(selector: string | undefined | null): (object: unknown) => boolean {
  if (!selector) return () => true;
  const checks = selector.split(",").map((part) => {
    const negated = part.includes("!=");
    const [field = "", value = ""] = part.split(/!=|==|=/);
    return (object: unknown) => {
      const found = fieldAt(object, field.trim());
      const text = typeof found === "string" || typeof found === "number" ? String(found) : "";
      return (text === value.trim()) !== negated;
    };
  });
  return (object) => checks.every((check) => check(object));
}
