// Workers (slots per stream, what each runs now, CPU/GPU; on a cluster, every
// connected worker) and the daemon's settings, with a connection test for
// bucket sync.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api/client';
import { nodeLabel } from '../lib/tree';
import {
  type DaemonSettings,
  PO2_MAX,
  PO2_MIN,
  type S3Given,
  STREAM_LABELS,
  type SettingsUpdate,
  type Workers,
} from '../../../core/api/contract';
import { ReceiptKindSelect } from '../components/ReceiptKindSelect';
import { useNow } from '../components/useNow';
import { duration, shortId } from '../lib/format';

export function SettingsView() {
  return (
    <>
      <WorkersPanel />
      <SettingsPanel />
    </>
  );
}

function WorkersPanel() {
  // Refreshed when the event stream reports a job change (api/events.ts); on a
  // cluster also every few seconds, for the heartbeats of workers elsewhere.
  const q = useQuery({
    queryKey: ['workers'],
    queryFn: () => api.workers(),
    refetchInterval: (query) => (query.state.data?.cluster ? 5000 : false),
  });
  const now = useNow(true);
  const w = q.data;
  return (
    <section aria-labelledby="workers-title">
      <h1 id="workers-title">Workers</h1>
      {q.error && <p className="error">{q.error.message}</p>}
      {w && (
        <>
          <p>
            CPU: {w.cpu.cores} cores ({w.cpu.model}), load {w.cpu.loadAverage.map((l) => l.toFixed(2)).join(' / ')}.
            GPU: {w.gpu ? w.gpu.name : 'none in use (the prover runs on the CPU)'}.
          </p>
          {w.cluster && <h2>This daemon</h2>}
          <table>
            <caption className="sr-only">Worker slots per stream</caption>
            <thead>
              <tr>
                <th scope="col">Stream</th>
                <th scope="col">Slots</th>
                <th scope="col">Running now</th>
                <th scope="col">Waiting</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(w.slots).map(([stream, slots]) => {
                const active = w.active.filter((a) => a.stream === stream);
                return (
                  <tr key={stream}>
                    <th scope="row">{STREAM_LABELS[stream] ?? stream}</th>
                    <td>{slots}</td>
                    <td>
                      {active.length === 0
                        ? 'idle'
                        : active.map((a) => (
                            <div key={`${a.jobId}/${a.taskId}`}>
                              <Link href={`/jobs/${a.jobId}`}>{shortId(a.jobId)}</Link>{' '}
                              {a.kind ? nodeLabel({ kind: a.kind, segment: a.segment }) : a.taskId} for{' '}
                              {duration(now - a.startedAt)}
                            </div>
                          ))}
                    </td>
                    <td>{w.streams.find((s) => s.workerType === stream)?.ready ?? 0}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {w.cluster && <ClusterWorkers workers={w.cluster} now={now} />}
        </>
      )}
    </section>
  );
}

function ClusterWorkers({ workers, now }: { workers: NonNullable<Workers['cluster']>; now: number }) {
  return (
    <>
      <h2 id="cluster-title">Cluster workers</h2>
      <table aria-labelledby="cluster-title" data-testid="cluster-workers">
        <thead>
          <tr>
            <th scope="col">Worker</th>
            <th scope="col">Host</th>
            <th scope="col">Streams</th>
            <th scope="col">Slots</th>
            <th scope="col">Running now</th>
            <th scope="col">Last heard</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((worker) => (
            <tr key={worker.id}>
              <th scope="row">{worker.id}</th>
              <td>{worker.host}</td>
              <td>{worker.streams.map((st) => STREAM_LABELS[st] ?? st).join(', ')}</td>
              <td>{worker.slots}</td>
              <td>
                {worker.running.length === 0
                  ? 'idle'
                  : worker.running.map((r) => (
                      <div key={`${r.jobId}/${r.taskId}`}>
                        <Link href={`/jobs/${r.jobId}`}>{shortId(r.jobId)}</Link> {r.taskId}
                      </div>
                    ))}
              </td>
              <td>{duration(Math.max(0, now - worker.lastHeartbeat))} ago</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function SettingsPanel() {
  const q = useQuery({ queryKey: ['settings'], queryFn: () => api.settings() });
  if (q.error) return <p className="error">{q.error.message}</p>;
  if (!q.data) return <p className="muted">Loading settings…</p>;
  return <SettingsForm settings={q.data} />;
}

const numberOr = (text: string, fallback: number): number =>
  text.trim() === '' || Number.isNaN(Number(text)) ? fallback : Number(text);

function SettingsForm({ settings }: { settings: DaemonSettings }) {
  const qc = useQueryClient();
  const [po2, setPo2] = useState(String(settings.defaultPo2));
  const [receiptKind, setReceiptKind] = useState(settings.defaultReceiptKind);
  const [retention, setRetention] = useState(String(settings.retentionHours));
  const [watch, setWatch] = useState(settings.watchFolder ?? '');
  const [slots, setSlots] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      Object.entries(settings.running.slots).map(([k, v]) => [
        k,
        String(settings.slots[k as keyof typeof settings.slots] ?? v),
      ]),
    ),
  );
  const [s3, setS3] = useState<S3Given>(settings.s3 ?? { endpoint: '', bucket: '', accessKey: '', secretKey: '' });
  const useS3 = s3.endpoint.trim() !== '' || s3.bucket.trim() !== '';
  const s3Body = {
    endpoint: s3.endpoint.trim(),
    bucket: s3.bucket.trim(),
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    ...(s3.region ? { region: s3.region } : {}),
  };

  const save = useMutation({
    mutationFn: () =>
      api.updateSettings({
        defaultPo2: numberOr(po2, settings.defaultPo2),
        defaultReceiptKind: receiptKind,
        retentionHours: numberOr(retention, settings.retentionHours),
        watchFolder: watch.trim() === '' ? null : watch.trim(),
        slots: Object.fromEntries(
          Object.entries(slots).map(([k, v]) => [k, numberOr(v, settings.running.slots[k] ?? 1)]),
        ) as SettingsUpdate['slots'],
        s3: useS3 ? s3Body : null,
      }),
    onSuccess: (next) => qc.setQueryData(['settings'], next),
  });
  const test = useMutation({
    mutationFn: () => api.testSync(s3Body),
  });
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    save.mutate();
  };
  const field = (key: keyof S3Given, label: string, type = 'text') => (
    <label>
      {label}
      <input
        type={type}
        autoComplete="off"
        value={String(s3[key] ?? '')}
        placeholder={key === 'secretKey' && settings.s3?.hasSecretKey ? '(stored; leave empty to keep it)' : undefined}
        onChange={(e) => setS3({ ...s3, [key]: e.target.value })}
      />
    </label>
  );
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <form onSubmit={onSubmit} className="settings">
        <p>
          Data directory: <code>{settings.dataDirectory}</code>
        </p>
        <label>
          Default segment size (po2)
          <input type="number" min={PO2_MIN} max={PO2_MAX} value={po2} onChange={(e) => setPo2(e.target.value)} />
        </label>
        <label>
          Default receipt
          <ReceiptKindSelect value={receiptKind} onChange={setReceiptKind} />
        </label>
        <label>
          Keep work files of finished jobs for (hours)
          <input type="number" min={0} value={retention} onChange={(e) => setRetention(e.target.value)} />
        </label>
        <label>
          Watch folder (name.elf with name.input dropped there is proved; empty for none)
          <input type="text" value={watch} onChange={(e) => setWatch(e.target.value)} placeholder="/path/to/folder" />
        </label>
        <fieldset>
          <legend>Worker slots (apply when the daemon restarts)</legend>
          {Object.keys(slots).map((k) => (
            <label key={k} className="inline">
              {STREAM_LABELS[k] ?? k}
              <input
                type="number"
                min={1}
                max={64}
                value={slots[k]}
                onChange={(e) => setSlots({ ...slots, [k]: e.target.value })}
              />
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>S3 / MinIO sync (applies when the daemon restarts; BENTO_S3_* in its environment override it)</legend>
          <p className="muted">Sync is {settings.sync.configured ? 'on' : 'off'} in the running daemon.</p>
          {field('endpoint', 'Endpoint (http://host:port)', 'url')}
          {field('bucket', 'Bucket')}
          {field('accessKey', 'Access key')}
          {field('secretKey', 'Secret key', 'password')}
          {field('region', 'Region (optional)')}
          <button type="button" onClick={() => test.mutate()} disabled={!useS3 || test.isPending}>
            {test.isPending ? 'Testing…' : 'Test connection'}
          </button>
          <span role="status" aria-live="polite" className={test.data ? (test.data.ok ? 'ok' : 'error') : 'error'}>
            {test.data?.msg ?? test.error?.message ?? ''}
          </span>
        </fieldset>
        <button type="submit" className="primary" disabled={save.isPending}>
          Save settings
        </button>
        <span role="status" aria-live="polite">
          {save.isSuccess && <span className="ok">Saved.</span>}
          {save.error && <span className="error">{save.error.message}</span>}
        </span>
      </form>
    </section>
  );
}
