/**
 * `tollgate completion bash|zsh`: a completion script made from the command tree itself, so it
 * always knows every command and flag. zsh loads the bash function through bashcompinit.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { CliIo } from '../cli-io.js';

export function registerCompletionCommand(program: Command, io: CliIo): void {
  program
    .command('completion')
    .description('print a shell completion script: eval "$(tollgate completion bash)"')
    .argument('<shell>', 'bash or zsh', (value: string) => {
      if (value !== 'bash' && value !== 'zsh')
        throw new InvalidArgumentError('expected bash or zsh');
      return value;
    })
    .action((shell: 'bash' | 'zsh') => {
      io.stdout.write(completionScript(program, shell));
    });
}

export function completionScript(program: Command, shell: 'bash' | 'zsh'): string {
  const visible = program.commands.filter((c) => c.name() !== 'help');
  const top = [...visible.map((c) => c.name()), 'help', ...flagsOf(program)];
  const cases = visible.map((command) => {
    const subcommands = command.commands.filter((c) => c.name() !== 'help');
    if (subcommands.length === 0)
      return `    ${command.name()}) words="${flagsOf(command).join(' ')}" ;;`;
    const inner = subcommands
      .map((sub) => `        ${sub.name()}) words="${flagsOf(sub).join(' ')}" ;;`)
      .join('\n');
    return [
      `    ${command.name()})`,
      `      if [ "$COMP_CWORD" -eq 2 ]; then words="${subcommands.map((c) => c.name()).join(' ')}"; else`,
      `      case "\${COMP_WORDS[2]}" in`,
      inner,
      '      esac; fi ;;',
    ].join('\n');
  });
  const body = [
    '_tollgate() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" words=""',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    words="${top.join(' ')}"`,
    '  else',
    '  case "${COMP_WORDS[1]}" in',
    ...cases,
    '  esac',
    '  fi',
    '  COMPREPLY=( $(compgen -W "$words" -- "$cur") )',
    '}',
    'complete -o default -F _tollgate tollgate',
    '',
  ].join('\n');
  if (shell === 'bash')
    return `# tollgate completion for bash: eval "$(tollgate completion bash)"\n${body}`;
  return `#compdef tollgate\n# tollgate completion for zsh: eval "$(tollgate completion zsh)"\nautoload -U +X bashcompinit && bashcompinit\n${body}`;
}

function flagsOf(command: Command): string[] {
  return command.options.map((o) => o.long ?? o.short ?? '').filter((f) => f !== '');
}
