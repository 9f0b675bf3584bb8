/** LiteLLM's messages print lists the Python way: `['a', 'b']`. */
export function pythonList(items: readonly string[]): string {
  return `[${items.map((item) => `'${item}'`).join(', ')}]`;
}
