/** "Did you mean …?" for mistyped names: the closest candidates by edit distance. */

function editDistance(a: string, b: string): number {
  // Damerau-Levenshtein (optimal string alignment): a swapped pair of letters counts as one edit.
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      const previous = d[i - 1]!;
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** Candidates within a third of the word's length (at least one edit), closest first. */
export function similarNames(word: string, candidates: readonly string[]): string[] {
  const lowered = word.toLowerCase();
  const limit = Math.max(1, Math.floor(lowered.length / 3));
  const scored = candidates
    .map((candidate) => ({ candidate, distance: editDistance(lowered, candidate.toLowerCase()) }))
    .filter(({ distance, candidate }) => distance <= limit || candidate.toLowerCase().startsWith(lowered))
    .sort((x, y) => x.distance - y.distance);
  const best = scored[0]?.distance;
  return scored.filter(({ distance }) => distance === best).map(({ candidate }) => candidate);
}

/** `did you mean 'x'?` (or `'x' or 'y'`), or null when nothing is close. */
export function suggestion(word: string, candidates: readonly string[]): string | null {
  const similar = similarNames(word, candidates);
  if (similar.length === 0) return null;
  return `did you mean ${similar.map((name) => `'${name}'`).join(" or ")}?`;
}

/** ` (did you mean 'x'?)` or `` when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const hint = suggestion(word, candidates);
  return hint === null ? "" : ` (${hint})`;
}
