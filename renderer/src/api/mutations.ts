// What the user can do to a job or its receipt. Each one's result reaches the
// views through the event stream; the caches are invalidated here only for
// what the stream does not carry.

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from './client';
import { desktop } from './connection';

export function useJobActions(jobId: string) {
  const qc = useQueryClient();
  const stop = useMutation({ mutationFn: () => api.stop(jobId) });
  const retry = useMutation({ mutationFn: () => api.retry(jobId) });
  const remove = useMutation({
    mutationFn: () => api.deleteJob(jobId),
    onSuccess: () => qc.removeQueries({ queryKey: ['job', jobId] }),
  });
  const verify = useMutation({ mutationFn: () => api.verify(jobId) });
  const exportReceipt = useMutation({ mutationFn: () => saveReceipt(jobId) });
  const deleteReceipt = useMutation({
    mutationFn: () => api.deleteReceipt(jobId),
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
  const blob = new Blob([(await api.receipt(jobId)) as Uint8Array<ArrayBuffer>]);
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
