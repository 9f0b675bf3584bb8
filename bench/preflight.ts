// One request per target and scenario before any load, so that a target that answers wrongly is
// reported as such instead of being measured at the speed of its error path.
import { request } from 'undici';
import type { Scenario } from './scenarios.js';

const TIMEOUT_MS = 10_000;

function looksRight(scenario: Scenario, text: string): boolean {
  if (scenario.stream) return text.includes('data: [DONE]');
  try {
    const body = JSON.parse(text) as { choices?: unknown; data?: unknown };
    return Array.isArray(scenario.path.endsWith('/embeddings') ? body.data : body.choices);
  } catch {
    return false;
  }
}

/** Returns why the target failed the scenario, or undefined when it answered correctly. */
export async function preflight(
  url: string,
  headers: Record<string, string>,
  scenario: Scenario,
): Promise<string | undefined> {
  try {
    const res = await request(`${url}${scenario.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: scenario.body,
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
    const text = await res.body.text();
    if (res.statusCode === 200 && looksRight(scenario, text)) return undefined;
    return `preflight answered HTTP ${res.statusCode}: ${text.slice(0, 300).replace(/\s+/g, ' ')}`;
  } catch (e: unknown) {
    return `preflight failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}
