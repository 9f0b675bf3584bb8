/**
 * The form under a members list (teams, organizations): an email and the role to add it as.
 * The page says what adding means; the form clears the email once it has handed it over.
 */
import { useState, type FormEvent } from 'react';
import { SelectField, TextField } from './fields';

export function AddMemberForm(props: {
  roles: readonly { value: string; label: string }[];
  /** The role selected at first. */
  initialRole: string;
  busy: boolean;
  onAdd(email: string, role: string): void;
}) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState(props.initialRole);
  const add = (event: FormEvent) => {
    event.preventDefault();
    props.onAdd(email.trim(), role);
    setEmail('');
  };
  return (
    <form className="row" onSubmit={add}>
      <TextField
        label="Add by email"
        type="email"
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <SelectField
        label="As"
        options={props.roles}
        value={role}
        onChange={(e) => setRole(e.target.value)}
      />
      <button type="submit" disabled={props.busy}>
        Add
      </button>
    </form>
  );
}
