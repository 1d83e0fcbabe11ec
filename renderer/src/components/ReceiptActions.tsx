// Export and verify a job's receipt (and delete it, where asked for).

import { useJobActions } from '../api/mutations';
import { duration, shortId } from '../lib/format';
import { ConfirmButton } from './ConfirmButton';

export function ReceiptActions({ jobId, canDelete = false }: { jobId: string; canDelete?: boolean }) {
  const a = useJobActions(jobId);
  const verified = a.verify.data;
  return (
    <div className="actions">
      <button type="button" onClick={() => a.exportReceipt.mutate()} disabled={a.exportReceipt.isPending}>
        Export receipt
      </button>
      <button type="button" onClick={() => a.verify.mutate()} disabled={a.verify.isPending}>
        {a.verify.isPending ? 'Verifying…' : 'Verify'}
      </button>
      {canDelete && (
        <ConfirmButton
          label="Delete receipt"
          question={`Delete the receipt of job ${shortId(jobId)}? The job stays in the list without it.`}
          confirm="Delete receipt"
          danger
          onConfirm={() => a.deleteReceipt.mutate()}
        />
      )}
      <span role="status" aria-live="polite">
        {verified &&
          (verified.valid ? (
            <span className="ok">Receipt valid (verified in {duration(verified.verifyMs ?? 0)})</span>
          ) : (
            <span className="error">Receipt invalid: {verified.error}</span>
          ))}
        {a.exportReceipt.data && <span className="muted"> {a.exportReceipt.data}</span>}
      </span>
      {(a.verify.error ?? a.exportReceipt.error ?? a.deleteReceipt.error) && (
        <span role="alert" className="error">
          {(a.verify.error ?? a.exportReceipt.error ?? a.deleteReceipt.error)?.message}
        </span>
      )}
    </div>
  );
}
