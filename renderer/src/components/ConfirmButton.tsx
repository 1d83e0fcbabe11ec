// A button whose action waits for a yes in a modal dialog (native <dialog>:
// focus is trapped and Escape cancels).

import { type ReactNode, useRef } from 'react';

export function ConfirmButton(props: {
  label: string;
  question: ReactNode;
  confirm: string;
  onConfirm: () => void;
  disabled?: boolean;
  danger?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button
        type="button"
        className={props.danger ? 'danger' : undefined}
        disabled={props.disabled}
        onClick={() => dialog.current?.showModal()}
      >
        {props.label}
      </button>
      <dialog
        ref={dialog}
        aria-label={props.label}
        onClick={(e) => e.target === dialog.current && dialog.current.close()}
      >
        <form method="dialog">
          <p>{props.question}</p>
          <div className="dialog-buttons">
            <button value="cancel" autoFocus>
              Cancel
            </button>
            <button value="confirm" className={props.danger ? 'danger' : undefined} onClick={() => props.onConfirm()}>
              {props.confirm}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
