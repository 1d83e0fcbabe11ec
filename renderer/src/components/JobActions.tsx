// Stop, retry and delete, as far as the job's state allows them.

import { useLocation } from 'wouter';
import { useJobActions } from '../api/mutations';
import type { JobStatus } from '../../../core/api/contract';
import { isTerminalPhase } from '../lib/jobs';
import { shortId } from '../lib/format';
import { ConfirmButton } from './ConfirmButton';

export function JobActions({ status, afterDelete }: { status: JobStatus; afterDelete?: string }) {
  const actions = useJobActions(status.jobId);
  const [, navigate] = useLocation();
  const ended = isTerminalPhase(status.phase);
  const failure = actions.stop.error ?? actions.retry.error ?? actions.remove.error;
  return (
    <div className="actions">
      {!ended && (
        <ConfirmButton
          label="Stop"
          question={`Stop job ${shortId(status.jobId)}? Its running provers are killed; segments already proven are kept for a retry.`}
          confirm="Stop job"
          danger
          disabled={actions.stop.isPending}
          onConfirm={() => actions.stop.mutate()}
        />
      )}
      {(status.state === 'failed' || status.state === 'stopped') && (
        <ConfirmButton
          label="Retry"
          question={`Run job ${shortId(status.jobId)} again from its failed tasks?`}
          confirm="Retry"
          disabled={actions.retry.isPending}
          onConfirm={() => actions.retry.mutate()}
        />
      )}
      {ended && (
        <ConfirmButton
          label="Delete"
          question={`Delete job ${shortId(status.jobId)} with its receipt, journal and logs? This cannot be undone.`}
          confirm="Delete job"
          danger
          disabled={actions.remove.isPending}
          onConfirm={() => actions.remove.mutate(undefined, { onSuccess: () => afterDelete && navigate(afterDelete) })}
        />
      )}
      {failure && (
        <span role="alert" className="error">
          {failure.message}
        </span>
      )}
    </div>
  );
}
