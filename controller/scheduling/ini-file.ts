/**
 * INI text read the way upstream reads job-resource-weights_<backend>.ini: Python's configparser
 * with `=` as the only delimiter and every other setting at its default. That means, on purpose:
 *
 * - option names are lower-cased (configparser's optionxform) and stripped; values are stripped;
 * - the name ends at the first `=` (a regex containing `=` is cut there);
 * - whole-line comments start with `#` or `;`; there are no inline comments;
 * - a line indented deeper than its option continues that option's value (joined with newlines);
 * - `[DEFAULT]` is not a section: its options are inherited by every section, listed first;
 * - a line that starts with `[` and has a `]` later is a section header, whatever follows;
 * - duplicate sections or options, an option before any section, and a line without `=` are
 *   errors;
 * - `%%` reads as `%`. Upstream would also expand `%(name)s` references; we refuse every other `%`
 *   instead, which no weight file needs.
 */

export class IniError extends Error {
  override readonly name = "IniError";
}

/** Section name -> option name -> value, in file order; DEFAULT options already merged in. */
export type IniSections = ReadonlyMap<string, ReadonlyMap<string, string>>;

const DEFAULT_SECTION = "DEFAULT";
const SECTION_HEADER = /^\[(.+)\]/;
const OPTION_LINE = /^(.*?)\s*=\s*(.*)$/;

interface ParseState {
  readonly sections: Map<string, Map<string, string[]>>;
  readonly defaults: Map<string, string[]>;
  current: Map<string, string[]> | undefined;
  currentName: string;
  option: string | undefined;
  indent: number;
  readonly seen: Set<string>;
}

function readLine(state: ParseState, line: string, lineNo: number, source: string): void {
  const trimmed = line.trim();
  const isComment = trimmed.startsWith("#") || trimmed.startsWith(";");
  if (isComment || trimmed === "") {
    // A blank (not comment) line inside a value is kept, as configparser does; trailing ones go at the end.
    if (!isComment && state.current && state.option !== undefined) state.current.get(state.option)?.push("");
    return;
  }
  const indent = line.length - line.trimStart().length;
  if (state.current && state.option !== undefined && indent > state.indent) {
    state.current.get(state.option)?.push(trimmed);
    return;
  }
  state.indent = indent;
  const header = SECTION_HEADER.exec(trimmed);
  if (header) {
    const name = header[1] ?? "";
    state.option = undefined;
    state.currentName = name;
    if (name === DEFAULT_SECTION) {
      state.current = state.defaults;
      return;
    }
    if (state.seen.has(`[${name}]`)) throw new IniError(`${source}, line ${lineNo}: section '${name}' already exists`);
    state.seen.add(`[${name}]`);
    state.current = state.sections.get(name) ?? new Map<string, string[]>();
    state.sections.set(name, state.current);
    return;
  }
  if (!state.current) throw new IniError(`${source}, line ${lineNo}: file contains no section headers`);
  const option = OPTION_LINE.exec(trimmed);
  if (!option?.[1]) throw new IniError(`${source}, line ${lineNo}: cannot parse ${JSON.stringify(line)}`);
  const name = option[1].trimEnd().toLowerCase();
  const key = `${state.currentName}\u0000${name}`;
  if (state.seen.has(key)) {
    throw new IniError(`${source}, line ${lineNo}: option '${name}' in section '${state.currentName}' already exists`);
  }
  state.seen.add(key);
  state.current.set(name, [(option[2] ?? "").trim()]);
  state.option = name;
}

function joinValue(lines: readonly string[], where: string): string {
  const joined = lines.join("\n").trimEnd();
  if (/%(?!%)/.test(joined.replaceAll("%%", ""))) throw new IniError(`${where}: '%' interpolation is not supported`);
  return joined.replaceAll("%%", "%");
}

/** Parses INI text; `source` names the file in error messages. */
export function parseIni(text: string, source: string): IniSections {
  const state: ParseState = {
    sections: new Map(),
    defaults: new Map(),
    current: undefined,
    currentName: "",
    option: undefined,
    indent: 0,
    seen: new Set(),
  };
  text.split(/\r\n|\r|\n/).forEach((line, index) => readLine(state, line, index + 1, source));
  const result = new Map<string, Map<string, string>>();
  for (const [sectionName, options] of state.sections) {
    // configparser's items(): DEFAULT's options first (a section may override their values), then the section's own.
    const merged = new Map<string, string>();
    for (const [name, lines] of state.defaults)
      merged.set(name, joinValue(options.get(name) ?? lines, `${source} [${sectionName}] ${name}`));
    for (const [name, lines] of options) merged.set(name, joinValue(lines, `${source} [${sectionName}] ${name}`));
    result.set(sectionName, merged);
  }
  return result;
}
