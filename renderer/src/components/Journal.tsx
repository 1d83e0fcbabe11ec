// A journal as hex and, where it is text, as UTF-8.

import { groupedHex, journalText } from '../lib/format';

export function Journal({ hex }: { hex: string }) {
  if (hex === '') return <p className="muted">The guest committed an empty journal.</p>;
  const text = journalText(hex);
  return (
    <div className="journal">
      <h3>Hex</h3>
      <pre data-journal="hex">{groupedHex(hex)}</pre>
      <h3>UTF-8</h3>
      {text === null ? (
        <p className="muted" data-journal="utf8">
          Not UTF-8 text (binary values).
        </p>
      ) : (
        <pre data-journal="utf8">{text}</pre>
      )}
    </div>
  );
}
