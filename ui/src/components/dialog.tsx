/**
 * A modal on the native <dialog> element: focus moves to its first field and back, Escape
 * closes it, the page behind is inert.
 */
import { useEffect, useRef, type ReactNode } from 'react';

export function Dialog(props: { title: string; onClose(): void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) {
      dialog.showModal();
      // showModal focuses the first button (the close button); a keyboard user wants the first
      // field, or the first action of a dialog without fields (React's autoFocus is not an
      // attribute the dialog can see).
      const first = dialog.querySelector<HTMLElement>(
        'input:not([type="hidden"]), select, textarea, .secret-box button, .form-actions button',
      );
      first?.focus();
    }
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <header>
        <h2 id="dialog-title">{props.title}</h2>
        <button type="button" className="icon" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </header>
      {props.children}
    </dialog>
  );
}

/** Asks before something that cannot be undone. */
export function confirmAction(question: string): boolean {
  return window.confirm(question);
}

/** The Cancel and submit buttons at the foot of a dialog's form. */
export function FormActions(props: { onCancel(): void; busy: boolean; children: ReactNode }) {
  return (
    <div className="form-actions">
      <button type="button" className="secondary" onClick={props.onCancel}>
        Cancel
      </button>
      <button type="submit" disabled={props.busy}>
        {props.children}
      </button>
    </div>
  );
}
