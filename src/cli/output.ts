/**
 * How a command's result reaches the user: an aligned table for people, the API's JSON (`--json`,
 * `-o json`) or YAML (`-o yaml`) for scripts, a spinner while waiting when a person is watching,
 * and a key's secret clearly marked, since it is shown only this once.
 */
import yoctoSpinner from 'yocto-spinner';
import { stringify } from 'yaml';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

export interface OutputFlags {
  json?: boolean;
  output?: string;
}

export function outputFormatOf(flags: OutputFlags): OutputFormat {
  if (flags.json) return 'json';
  const format = (flags.output ?? 'table').toLowerCase();
  if (format === 'table' || format === 'json' || format === 'yaml') return format;
  throw new CliError(`-o ${flags.output ?? ''}: expected table, json or yaml`);
}

export class Printer {
  constructor(
    private readonly io: CliIo,
    readonly format: OutputFormat,
  ) {}

  /** Prints `data` as JSON or YAML, or the table `render` makes of it. */
  result(data: unknown, render: () => string): void {
    if (this.format === 'json') this.line(JSON.stringify(data ?? null, null, 2));
    else if (this.format === 'yaml') this.io.stdout.write(stringify(data ?? null));
    else this.line(render());
  }

  line(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** A note for people (progress, hints); kept off stdout so that --json stays parseable. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** The secret of a new key, once, in its own marked block (tables only: JSON already holds it). */
  secret(label: string, key: string): void {
    if (this.format !== 'table') return;
    this.line('');
    this.line(`${label}. Copy it now: it is shown only once and cannot be retrieved later.`);
    this.line('');
    this.line(`    ${key}`);
    this.line('');
  }

  /** Runs `work` under a spinner when a person watches a table; silently otherwise. */
  async progress<T>(text: string, work: () => Promise<T>): Promise<T> {
    const interactive =
      this.format === 'table' && this.io.stdout.isTTY === true && this.io.stderr.isTTY === true;
    if (!interactive) return work();
    const spinner = yoctoSpinner({ text, stream: this.io.stderr }).start();
    try {
      const result = await work();
      spinner.success(text);
      return result;
    } catch (error: unknown) {
      spinner.error(text);
      throw error;
    }
  }
}
