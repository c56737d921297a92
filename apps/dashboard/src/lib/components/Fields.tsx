'use client';
/** Labelled form fields: one definition for every page's number inputs and selects. */

interface NumberFieldProps {
  readonly label: string;
  readonly testId: string;
  /** Kept as text so a half-typed number is not reformatted under the cursor. */
  readonly value: string;
  readonly onChange: (text: string) => void;
  readonly min: number;
  readonly max: number;
  readonly step?: number;
  readonly disabled?: boolean;
}

export function NumberField({ label, testId, value, onChange, min, max, step = 1, disabled = false }: NumberFieldProps) {
  return (
    <label className="field">
      <span>{label}</span>
      <input type="number" data-testid={testId} min={min} max={max} step={step} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

interface SelectFieldProps<T extends string | number> {
  readonly label: string;
  readonly testId: string;
  readonly value: T;
  readonly options: readonly T[];
  readonly onChange: (value: T) => void;
  /** Text shown for an option (default: the value). */
  readonly describe?: (value: T) => string;
}

export function SelectField<T extends string | number>({ label, testId, value, options, onChange, describe = String }: SelectFieldProps<T>) {
  return (
    <label className="field">
      <span>{label}</span>
      <select data-testid={testId} value={String(value)} onChange={(e) => onChange(options.find((o) => String(o) === e.target.value) ?? value)}>
        {options.map((o) => (
          <option key={String(o)} value={String(o)}>
            {describe(o)}
          </option>
        ))}
      </select>
    </label>
  );
}
