/**
 * An admin sets a new password for a user (`/user/update` with `password`): the gateway ends
 * every session of that user, so they sign in again with the new one.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../../api/http';
import type { UserRow } from '../../api/types';
import { Dialog, FormActions } from '../../components/dialog';
import { TextField } from '../../components/fields';
import { ErrorNote } from '../../components/states';
import { useAction } from '../../use-load';

const MIN_LENGTH = 8;

export function ResetPasswordDialog(props: { user: UserRow; onClose(): void; onDone(): void }) {
  const { user } = props;
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (password !== repeated) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void action.run(async () => {
      await api.post('/user/update', { user_id: user.user_id, password });
      props.onDone();
    });
  };
  return (
    <Dialog title={`New password for ${user.user_email ?? user.user_id}`} onClose={props.onClose}>
      <form onSubmit={submit}>
        <p>They are signed out everywhere and sign in again with this password.</p>
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          autoFocus
          minLength={MIN_LENGTH}
          maxLength={128}
          value={password}
          hint={`At least ${MIN_LENGTH} characters.`}
          onChange={(e) => setPassword(e.target.value)}
        />
        <TextField
          label="Repeat the new password"
          type="password"
          autoComplete="new-password"
          required
          value={repeated}
          onChange={(e) => setRepeated(e.target.value)}
        />
        <ErrorNote>{mismatch ? 'The two passwords are not the same.' : action.error}</ErrorNote>
        <FormActions onCancel={props.onClose} busy={action.busy}>
          Set password
        </FormActions>
      </form>
    </Dialog>
  );
}
