/** A tiny JSON client for the gateway's routes: status and parsed body, with a key of choice. */

export interface JsonResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response fields
  body: any;
}

export interface AdminClient {
  get(path: string, key?: string): Promise<JsonResponse>;
  post(path: string, body?: unknown, key?: string): Promise<JsonResponse>;
  /** A chat completion on `model`, the reply's status and body. */
  chat(model: string, key?: string): Promise<JsonResponse>;
}

export function adminClient(baseUrl: string, defaultKey: string): AdminClient {
  const call = async (path: string, init: RequestInit, key: string): Promise<JsonResponse> => {
    const response = await fetch(`${baseUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  return {
    get: (path, key = defaultKey) => call(path, { method: 'GET' }, key),
    post: (path, body = {}, key = defaultKey) =>
      call(path, { method: 'POST', body: JSON.stringify(body) }, key),
    chat: (model, key = defaultKey) =>
      call(
        '/v1/chat/completions',
        {
          method: 'POST',
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        },
        key,
      ),
  };
}
