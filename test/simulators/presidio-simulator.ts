/**
 * Microsoft Presidio's analyzer and anonymizer HTTP services, as one simulator (both paths on one
 * port; Presidio runs them as two containers). The wire format is Presidio's: `POST /analyze`
 * `{text, language, entities?, score_threshold?, ad_hoc_recognizers?}` → a list of
 * `{analysis_explanation, end, entity_type, score, start}` (keys sorted, as Presidio sends them);
 * `POST /anonymize` `{text, analyzer_results}` → `{text, items}` with Presidio's default operator
 * (replace by `<ENTITY_TYPE>`); errors as `{"error": "..."}` with Presidio's statuses.
 *
 * The analyzer recognizes a few names (PERSON), US phone numbers, e-mail addresses, US SSNs and
 * the city `Paris` (LOCATION, with a low score), plus any ad-hoc regex recognizer it is sent.
 */
import type { ServerResponse } from 'node:http';
import { startSimulator, writeJsonWithFault, type Simulator } from './simulator-server.js';

const PEOPLE = ['Jane Doe', 'John Smith'];

interface Recognizer {
  entity: string;
  regex: RegExp;
  score: number;
}

const BUILT_IN: readonly Recognizer[] = [
  { entity: 'PERSON', regex: new RegExp(PEOPLE.join('|'), 'g'), score: 0.85 },
  { entity: 'PHONE_NUMBER', regex: /\b\d{3}-\d{3}-\d{4}\b/g, score: 0.75 },
  { entity: 'EMAIL_ADDRESS', regex: /\b[\w.+-]+@[\w-]+\.[\w.]+\b/g, score: 1 },
  { entity: 'US_SSN', regex: /\b\d{3}-\d{2}-\d{4}\b/g, score: 0.85 },
  { entity: 'LOCATION', regex: /\bParis\b/g, score: 0.3 },
];

interface Finding {
  analysis_explanation: null;
  end: number;
  entity_type: string;
  score: number;
  start: number;
}

export async function startPresidioSimulator(): Promise<Simulator> {
  return startSimulator(async ({ req, res, fault }) => {
    if (fault?.kind === 'status') {
      return error(res, fault.status, fault.message ?? 'Internal server error');
    }
    const body = req.body as Record<string, unknown> | undefined;
    if (req.method === 'GET' && req.path === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('Presidio service is up');
      return;
    }
    if (req.method === 'POST' && req.path === '/analyze') {
      if (!body || typeof body.text !== 'string' || body.text === '') {
        return error(res, 500, 'No text provided');
      }
      if (typeof body.language !== 'string') return error(res, 500, 'No language provided');
      if (body.language !== 'en') {
        return error(res, 500, `No matching recognizers were found to serve the request.`);
      }
      return writeJsonWithFault(res, analyze(body), fault);
    }
    if (req.method === 'POST' && req.path === '/anonymize') {
      if (!body) return error(res, 400, 'Invalid request json');
      if (!Array.isArray(body.analyzer_results)) {
        return error(res, 422, 'Invalid input, request must contain analyzer results');
      }
      return writeJsonWithFault(
        res,
        anonymize(String(body.text ?? ''), body.analyzer_results as Finding[]),
        fault,
      );
    }
    return error(res, 404, 'The requested URL was not found on the server.');
  });
}

function analyze(body: Record<string, unknown>): Finding[] {
  const text = body.text as string;
  const recognizers = [...BUILT_IN, ...adHoc(body.ad_hoc_recognizers)];
  const wanted = Array.isArray(body.entities) ? new Set(body.entities as string[]) : undefined;
  const threshold = typeof body.score_threshold === 'number' ? body.score_threshold : 0;
  const findings: Finding[] = [];
  for (const r of recognizers) {
    if (wanted && !wanted.has(r.entity)) continue;
    if (r.score < threshold) continue;
    for (const m of text.matchAll(r.regex)) {
      findings.push({
        analysis_explanation: null,
        end: m.index + m[0].length,
        entity_type: r.entity,
        score: r.score,
        start: m.index,
      });
    }
  }
  return findings;
}

/** Presidio's ad-hoc recognizers: `{supported_entity, patterns: [{regex, score}]}`. */
function adHoc(value: unknown): Recognizer[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap(
    (r: { supported_entity?: string; patterns?: { regex: string; score: number }[] }) =>
      (r.patterns ?? []).map((p) => ({
        entity: r.supported_entity ?? 'CUSTOM',
        regex: new RegExp(p.regex, 'g'),
        score: p.score,
      })),
  );
}

/** Presidio's default operator: each kept span replaced by `<ENTITY_TYPE>`, contained ones dropped. */
function anonymize(text: string, results: Finding[]) {
  const sorted = [...results].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Finding[] = [];
  for (const r of sorted) {
    const last = kept.at(-1);
    if (last && r.start < last.end) continue;
    kept.push(r);
  }
  let out = text;
  const items = [];
  for (const r of [...kept].reverse()) {
    const replacement = `<${r.entity_type}>`;
    out = out.slice(0, r.start) + replacement + out.slice(r.end);
    items.push({
      start: r.start,
      end: r.start + replacement.length,
      entity_type: r.entity_type,
      text: replacement,
      operator: 'replace',
    });
  }
  return { text: out, items };
}

function error(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: message }));
}
