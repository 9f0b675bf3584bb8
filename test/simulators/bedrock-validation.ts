/**
 * The Converse request rules the simulator enforces with Bedrock's own messages, so an adapter
 * that builds an invalid conversation fails in tests the way it would in production.
 */
export interface ConverseBody {
  messages?: { role?: string; content?: ConverseContent[] }[];
  system?: { text?: string }[];
  inferenceConfig?: { maxTokens?: number };
  toolConfig?: { tools?: { toolSpec?: { name?: string } }[] };
}

interface ConverseContent {
  text?: string;
  toolUse?: unknown;
  toolResult?: unknown;
}

/** The ValidationException message for the first rule the body breaks, if any. */
export function validateConverse(body: ConverseBody): string | undefined {
  const messages = body.messages ?? [];
  if (messages[0]?.role !== 'user') {
    return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
  }
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (i > 0 && message?.role === messages[i - 1]?.role) {
      return 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.';
    }
    const content = message?.content ?? [];
    for (let j = 0; j < content.length; j++) {
      const block = content[j];
      if (block?.text !== undefined && block.text.trim() === '') {
        return `The text field in the ContentBlock object at messages.${i}.content.${j} is blank. Add text to the text field, and try again.`;
      }
      if ((block?.toolUse || block?.toolResult) && !body.toolConfig) {
        return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';
      }
    }
  }
  return undefined;
}
