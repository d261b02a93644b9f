/**
 * Turns a byte stream into whole lines: a chunk may end mid-line (or mid-character), so the tail is
 * kept until the next chunk or the end. Terminal line endings (CRLF) and a trailing CR are dropped.
 */
import { StringDecoder } from "node:string_decoder";

export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Uint8Array): void {
    this.pending += this.decoder.write(Buffer.from(chunk));
    const lines = this.pending.split("\n");
    this.pending = lines.pop() ?? "";
    for (const line of lines) this.onLine(line.replace(/\r$/, ""));
  }

  /** Emits what is left (a last line without a newline). */
  end(): void {
    this.pending += this.decoder.end();
    if (this.pending !== "") this.onLine(this.pending.replace(/\r$/, ""));
    this.pending = "";
  }
}
