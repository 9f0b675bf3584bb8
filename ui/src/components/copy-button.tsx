/** Copies a value (a new key, an invitation link) and says so. */
import { useState } from 'react';

export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // Clipboard access can be refused (plain http, permissions): select the text instead.
      const field = document.createElement('textarea');
      field.value = value;
      document.body.append(field);
      field.select();
      document.execCommand('copy');
      field.remove();
    }
    setCopied(true);
    window.setTimeout(() => setCopied(false), 2000);
  };
  return (
    <button type="button" className="secondary" onClick={() => void copy()}>
      <span aria-live="polite">{copied ? 'Copied' : label}</span>
    </button>
  );
}

/** A secret or link shown once, selectable, with its copy button. */
export function SecretBox({ value, name }: { value: string; name: string }) {
  return (
    <div className="secret-box">
      <code aria-label={name} data-testid="secret-value">
        {value}
      </code>
      <CopyButton value={value} />
    </div>
  );
}
