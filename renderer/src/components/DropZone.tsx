// A place to drop files, which a click, Enter or Space opens a file picker
// for instead (the picker is the caller's).

import { type ReactNode, useState } from 'react';

export function DropZone({
  testId,
  helpId,
  onFiles,
  onPick,
  children,
}: {
  testId: string;
  /** The id of the element in `children` that says what to drop. */
  helpId: string;
  onFiles: (files: File[]) => void;
  onPick: () => void;
  children: ReactNode;
}) {
  const [dragging, setDragging] = useState(false);
  return (
    <div
      className={`dropzone${dragging ? ' dragging' : ''}`}
      role="button"
      tabIndex={0}
      aria-describedby={helpId}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        onFiles([...e.dataTransfer.files]);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onPick();
        }
      }}
      onClick={onPick}
      data-testid={testId}
    >
      {children}
    </div>
  );
}
