// What the user can do to a job or its receipt. Each one's result reaches the
// views through the event stream; the caches are invalidated here only for
// what the stream does not carry.

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call, sendJson } from './client';
import { desktop } from './connection';

export interface VerifyResult {
  valid: boolean;
  verifyMs?: number;
  error?: string;
}

export function useJobActions(jobId: string) {
  const qc = useQueryClient();
  const stop = useMutation({ mutationFn: () => sendJson<{ stopped: boolean }>('POST', `/api/jobs/${jobId}/stop`) });
  const retry = useMutation({ mutationFn: () => sendJson<unknown>('POST', `/api/jobs/${jobId}/retry`) });
  const remove = useMutation({
    mutationFn: () => sendJson<unknown>('DELETE', `/api/jobs/${jobId}`),
    onSuccess: () => qc.removeQueries({ queryKey: ['job', jobId] }),
  });
  const verify = useMutation({ mutationFn: () => sendJson<VerifyResult>('POST', `/api/jobs/${jobId}/verify`) });
  const exportReceipt = useMutation({ mutationFn: () => saveReceipt(jobId) });
  const deleteReceipt = useMutation({
    mutationFn: () => sendJson<unknown>('DELETE', `/api/jobs/${jobId}/receipt`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['receipts'] }),
  });
  return { stop, retry, remove, verify, exportReceipt, deleteReceipt };
}

/** Saves a receipt: through the desktop app's save dialog, else as a browser download. */
async function saveReceipt(jobId: string): Promise<string> {
  const bridge = desktop();
  if (bridge) {
    const r = await bridge.saveReceipt(jobId);
    if (r.error) throw new Error(r.error);
    return r.saved ? `saved to ${r.path}` : 'not saved';
  }
  const blob = await (await call(`/api/jobs/${jobId}/receipt`)).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `${jobId}.receipt`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return `downloaded ${jobId}.receipt`;
}
