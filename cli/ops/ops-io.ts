/**
 * The terminal as the operators' storage tools use it: lines out, errors out, and a question whose
 * answer is typed (undefined once input has ended). Numbered choices are asked the way upstream's
 * tools ask them (`Enter number: `).
 */
export interface OpsIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly ask: (question: string) => Promise<string | undefined>;
}

/** A refusal the tool explains and ends with exit code 1 (bad answer, missing file, wrong workspace). */
export class OpsRefusal extends Error {
  override readonly name = "OpsRefusal";
}

/** Lists `items` numbered from 1 after `header` and returns the one whose number is typed. */
export async function chooseOne(io: OpsIo, header: string, items: readonly string[]): Promise<string> {
  io.out(`${header}\n${items.map((item, index) => `  ${index + 1}: ${item}\n`).join("")}\n`);
  const answer = await io.ask("Enter number: ");
  const index = Number(answer?.trim());
  if (answer === undefined || answer.trim() === "" || !Number.isInteger(index) || index < 1 || index > items.length) {
    throw new OpsRefusal(`expected a number from 1 to ${items.length}, got '${answer ?? ""}'`);
  }
  return items[index - 1]!;
}
