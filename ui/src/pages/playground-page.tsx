/**
 * A small chat to try a model with one of the user's keys; the answer streams in as it comes.
 * A key's secret is only known when it is made, so the choices are the keys made in this tab,
 * or a secret the user pastes.
 */
import { useRef, useState, type FormEvent } from 'react';
import { usableModels } from '../api/models';
import { streamChat, type ChatMessage } from '../api/chat-stream';
import { SelectField, TextField } from '../components/fields';
import { PageTitle } from '../components/layout';
import { Empty, ErrorNote, Loaded } from '../components/states';
import { Link } from '../router';
import { useSecrets } from '../secrets';
import { callsModels, useSession } from '../session';
import { useLoad } from '../use-load';

const PASTE = '__paste__';

export function PlaygroundPage() {
  const { session } = useSession();
  const { secrets } = useSecrets();
  const models = useLoad(usableModels, []);
  const [choice, setChoice] = useState(secrets[0]?.secret ?? PASTE);
  const [pasted, setPasted] = useState('');
  const [model, setModel] = useState('');
  const [prompt, setPrompt] = useState('');
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [error, setError] = useState<string>();
  const [streaming, setStreaming] = useState(false);
  const abort = useRef<AbortController | undefined>(undefined);

  if (!callsModels(session.user_role)) {
    return (
      <section>
        <PageTitle title="Playground" />
        <Empty>Your account can look at usage but cannot call models.</Empty>
      </section>
    );
  }

  const key = choice === PASTE ? pasted.trim() : choice;
  const send = async (event: FormEvent, chosenModel: string) => {
    event.preventDefault();
    if (!key || !prompt.trim()) return;
    const history: ChatMessage[] = [...messages, { role: 'user', content: prompt.trim() }];
    setMessages([...history, { role: 'assistant', content: '' }]);
    setPrompt('');
    setError(undefined);
    setStreaming(true);
    abort.current = new AbortController();
    try {
      await streamChat(
        { key, model: chosenModel, messages: history },
        (text) =>
          setMessages((shown) => {
            const last = shown[shown.length - 1];
            if (!last) return shown;
            return [...shown.slice(0, -1), { ...last, content: last.content + text }];
          }),
        abort.current.signal,
      );
    } catch (failure: unknown) {
      if (!(failure instanceof DOMException && failure.name === 'AbortError')) {
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    } finally {
      setStreaming(false);
    }
  };

  return (
    <section>
      <PageTitle title="Playground" />
      <Loaded state={models} what="your models">
        {(choices) => {
          const chosenModel = model || choices[0] || '';
          if (choices.length === 0) return <Empty>No models are available to you.</Empty>;
          return (
            <form className="playground" onSubmit={(e) => void send(e, chosenModel)}>
              <div className="row">
                <SelectField
                  label="Key"
                  value={choice}
                  onChange={(e) => setChoice(e.target.value)}
                  options={[
                    ...secrets.map((s) => ({ value: s.secret, label: `${s.alias} (made here)` })),
                    { value: PASTE, label: 'Paste a key…' },
                  ]}
                />
                <SelectField
                  label="Model"
                  value={chosenModel}
                  onChange={(e) => setModel(e.target.value)}
                  options={choices.map((m) => ({ value: m, label: m }))}
                />
              </div>
              {choice === PASTE && (
                <TextField
                  label="Key secret"
                  type="password"
                  autoComplete="off"
                  value={pasted}
                  placeholder="sk-…"
                  hint={
                    <>
                      Secrets are shown once, when a key is made. Make one on{' '}
                      <Link to="/keys">My keys</Link> to use it here.
                    </>
                  }
                  onChange={(e) => setPasted(e.target.value)}
                />
              )}
              <ol className="transcript" aria-live="polite" aria-label="Conversation">
                {messages.map((m, i) => (
                  <li key={i} className={`message ${m.role}`} data-testid={`message-${m.role}`}>
                    <span className="visually-hidden">{m.role === 'user' ? 'You' : 'Model'}: </span>
                    {m.content || (streaming && i === messages.length - 1 ? '…' : '')}
                  </li>
                ))}
              </ol>
              <ErrorNote>{error}</ErrorNote>
              <TextField
                label="Message"
                value={prompt}
                onChange={(e) => setPrompt(e.target.value)}
                placeholder="Ask something"
              />
              <div className="form-actions">
                {streaming ? (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => abort.current?.abort()}
                  >
                    Stop
                  </button>
                ) : (
                  <button type="submit" disabled={!key || !prompt.trim()}>
                    Send
                  </button>
                )}
              </div>
            </form>
          );
        }}
      </Loaded>
    </section>
  );
}
