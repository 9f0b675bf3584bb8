/**
 * LiteLLM's messages print floats the Python way (`repr`): `0.0`, `10.0`, `0.02`, `1e-05`. The
 * digits are the shortest that read back as the same double in both languages; only the layout
 * differs: Python always shows a decimal point, and switches to an exponent below 1e-4 and from
 * 1e16 on, with at least two exponent digits.
 */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    // JavaScript prints this range in fixed notation too, with the same digits.
    const fixed = String(value);
    return fixed.includes('.') ? fixed : `${fixed}.0`;
  }
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}
