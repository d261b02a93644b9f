/**
 * Shell-style word splitting and quoting with the semantics of Python's `shlex.split` (POSIX
 * mode, no comments) and `shlex.join`, which upstream uses for `run` strings.
 */

/** Raised for input shlex cannot split; the messages are shlex's own. */
export class ShellSyntaxError extends Error {
  override readonly name = "ShellSyntaxError";
}

const WHITESPACE = " \t\r\n";
const QUOTES = "'\"";

/**
 * Split `text` into words. Whitespace is only space, tab, CR and LF; quotes group; a backslash
 * escapes the next character outside quotes, and only `"` or `\` inside double quotes.
 */
export function shellSplit(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false; // true once the current word has started (even if it is still empty: `''`)
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (WHITESPACE.includes(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (ch === "\\") {
      if (i + 1 >= text.length) throw new ShellSyntaxError("No escaped character");
      word += text.charAt(i + 1);
      inWord = true;
      i += 2;
    } else if (QUOTES.includes(ch)) {
      inWord = true;
      i = readQuoted(text, i, ch, (s) => (word += s));
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Consume a quoted section starting at `start`; return the index just past the closing quote. */
function readQuoted(text: string, start: number, quote: string, append: (s: string) => void): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === quote) return i + 1;
    if (ch === "\\" && quote === '"') {
      if (i + 1 >= text.length) throw new ShellSyntaxError("No escaped character");
      const next = text.charAt(i + 1);
      // Inside double quotes only the quote and the backslash itself are escapable.
      append(next === '"' || next === "\\" ? next : ch + next);
      i += 2;
      continue;
    }
    append(ch);
    i++;
  }
  throw new ShellSyntaxError("No closing quotation");
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Python `shlex.quote`. */
export function shellQuote(word: string): string {
  if (word === "") return "''";
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** Python `shlex.join`. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}
