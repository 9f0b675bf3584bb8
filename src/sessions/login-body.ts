/**
 * The body of a sign-in: JSON, or the form LiteLLM's login page posts
 * (`application/x-www-form-urlencoded`). Which of the two it was decides the answer's shape.
 */
import { z } from 'zod';
import { parseInput } from '../admin/parse-input.js';

export const LoginSchema = z.object({
  username: z.string().max(512),
  password: z.string().max(1024),
});

export type LoginInput = z.infer<typeof LoginSchema>;

export function isFormPost(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/** Parses a form body into an object; JSON sent with the form type (curl -d) stays readable. */
export function parseFormBody(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      // not JSON after all: read it as a form
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

export function parseLogin(body: unknown): LoginInput {
  return parseInput(LoginSchema, body);
}
