import { RECEIPT_KINDS, ReceiptKind } from '../../../core/api/contract';

const DESCRIPTIONS: Record<ReceiptKind, string> = {
  composite: 'composite (every segment proof; quicker)',
  succinct: 'succinct (one recursion proof; small)',
};

/** A choice of receipt kind, as the Prove form and the settings offer it. */
export function ReceiptKindSelect(props: {
  value: ReceiptKind;
  onChange: (kind: ReceiptKind) => void;
  disabled?: boolean;
}) {
  return (
    <select
      value={props.value}
      disabled={props.disabled}
      onChange={(e) => props.onChange(ReceiptKind.parse(e.target.value))}
    >
      {RECEIPT_KINDS.map((kind) => (
        <option key={kind} value={kind}>
          {DESCRIPTIONS[kind]}
        </option>
      ))}
    </select>
  );
}
