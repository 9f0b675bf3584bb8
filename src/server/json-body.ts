/**
 * Request bodies as JSON, whatever their content type (LiteLLM reads a form-encoded `curl -d`
 * body as JSON too), with the same guard against prototype poisoning for every one of them:
 * a `__proto__` key, or a `constructor` key holding a `prototype`, is refused as invalid JSON.
 *
 * `secure-json-parse` (Fastify's own parser for application/json) parses, then runs two regular
 * expressions over the whole text to decide whether the result needs its walk. Any text those
 * could match contains `__proto__`, `constructor` or a `\u` escape spelling one of them, so a
 * body with none of the three is parsed by `JSON.parse` alone and the others by the library.
 */
import secureJson from 'secure-json-parse';
import { GatewayError } from '../errors/gateway-error.js';

const BOM = 0xfeff;

/** The parsed body; `undefined` for an empty one when `emptyIsError` is false. */
export function parseJsonBody(text: string, emptyIsError: boolean): unknown {
  if (text === '') {
    if (emptyIsError)
      throw new GatewayError('bad_request', 'Request body is empty; send a JSON object');
    return undefined;
  }
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    return secureJson.parse(text, { protoAction: 'error', constructorAction: 'error' });
  }
  return JSON.parse(text.charCodeAt(0) === BOM ? text.slice(1) : text);
}
