/**
 * Model-name wildcards (`openai/*`, `azure/gpt-4*-mini`): each `*` stands for any run of
 * characters. Matched without a regular expression: `^a.*b.*c$` built from a list entry
 * backtracks exponentially in the number of stars (twelve stars against 35 letters took 12 s),
 * and the name matched against it is the client's. Here each literal part is placed with
 * `lastIndexOf`, from the last to the second: O(name length × pattern length) at worst.
 */

/**
 * What the first `*` of `pattern` stands for when `text` matches it, taking as much as the rest
 * of the pattern leaves (a greedy `(.*)`), or undefined when `text` does not match. Each star
 * stands for at least `minPerStar` characters. A pattern without a star matches itself only
 * (and captures '').
 */
export function globCapture(
  pattern: string,
  text: string,
  minPerStar: 0 | 1 = 0,
): string | undefined {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === text ? '' : undefined;
  const head = parts[0] as string;
  const tail = parts[parts.length - 1] as string;
  const stars = parts.length - 1;
  if (text.length < head.length + tail.length + stars * minPerStar) return undefined;
  if (!text.startsWith(head) || !text.endsWith(tail)) return undefined;
  // Place the middle parts from the last to the first, each as far right as it can go: that
  // leaves the most room to the parts before it, and the longest run to the first star.
  let limit = text.length - tail.length - minPerStar; // where the part being placed must end by
  let firstStarEnd = limit + minPerStar;
  for (let i = parts.length - 2; i >= 1; i--) {
    const part = parts[i] as string;
    const at = text.lastIndexOf(part, limit - part.length);
    if (at < 0 || limit - part.length < 0) return undefined;
    firstStarEnd = at;
    limit = at - minPerStar;
  }
  if (firstStarEnd - head.length < minPerStar) return undefined;
  return text.slice(head.length, firstStarEnd);
}

/** Whether `text` matches `pattern`, each `*` standing for any run of characters, even none. */
export function globMatches(pattern: string, text: string): boolean {
  return globCapture(pattern, text) !== undefined;
}
