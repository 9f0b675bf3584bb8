/** Labelled form fields: every input has a visible label, hints are tied to their input. */
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import { durationWords } from '../api/key-bounds';

export function TextField(
  props: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: ReactNode },
) {
  const { label, hint, ...input } = props;
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...input} />
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

export function SelectField(
  props: SelectHTMLAttributes<HTMLSelectElement> & {
    label: string;
    options: readonly { value: string; label: string }[];
  },
) {
  const { label, options, ...select } = props;
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...select}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Pick some of `choices`; none picked means "all allowed". */
export function ModelPicker(props: {
  label: string;
  choices: readonly string[];
  value: readonly string[];
  onChange(value: string[]): void;
}) {
  const toggle = (model: string) =>
    props.onChange(
      props.value.includes(model)
        ? props.value.filter((m) => m !== model)
        : [...props.value, model],
    );
  return (
    <fieldset className="field models">
      <legend>{props.label}</legend>
      {props.choices.length === 0 && <small className="hint">No models to choose from.</small>}
      {props.choices.map((model) => (
        <label key={model} className="check">
          <input
            type="checkbox"
            checked={props.value.includes(model)}
            onChange={() => toggle(model)}
          />
          {model}
        </label>
      ))}
      <small className="hint">None ticked: every model allowed.</small>
    </fieldset>
  );
}

export const DURATIONS = [
  { value: '', label: 'Never (or the longest allowed)' },
  { value: '1d', label: '1 day' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
] as const;

export const BUDGET_PERIODS = [
  { value: '', label: 'Total, never resets' },
  { value: '1d', label: 'Daily' },
  { value: '7d', label: 'Weekly' },
  { value: '1mo', label: 'Monthly' },
] as const;

/** `1mo` → "monthly", `30d` → "every 30 days". */
export function periodWords(duration: string): string {
  const named = BUDGET_PERIODS.find((p) => p.value === duration && p.value !== '');
  return named ? named.label.toLowerCase() : `every ${durationWords(duration)}`;
}

/**
 * A budget in USD (empty: no limit) and its period, as users, teams, organizations and tags take
 * them. A period the list does not name (`30d`, set through the API) is offered as it is, so
 * editing keeps it.
 */
export function BudgetFields(props: {
  maxBudget: string;
  onMaxBudget(value: string): void;
  period: string;
  onPeriod(value: string): void;
  /** Who the budget is shared by, under the amount. */
  hint?: ReactNode;
}) {
  const { period } = props;
  return (
    <>
      <TextField
        label="Budget in USD (empty: no limit)"
        type="number"
        min="0"
        step="0.01"
        hint={props.hint}
        value={props.maxBudget}
        onChange={(e) => props.onMaxBudget(e.target.value)}
      />
      <SelectField
        label="Budget period"
        options={
          period && !BUDGET_PERIODS.some((p) => p.value === period)
            ? [...BUDGET_PERIODS, { value: period, label: periodWords(period) }]
            : BUDGET_PERIODS
        }
        value={period}
        onChange={(e) => props.onPeriod(e.target.value)}
      />
    </>
  );
}
