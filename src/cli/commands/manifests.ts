import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';

export function registerManifestCommands(_program: Command, _io: CliIo): void {}
