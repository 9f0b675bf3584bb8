/** A config that cannot be used: the message names the exact path and what is wrong with it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid config:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** `['model_list', 2, 'litellm_params', 'model']` → `model_list[2].litellm_params.model` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}
