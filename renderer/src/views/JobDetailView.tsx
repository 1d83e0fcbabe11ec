// One job: state and error in plain words, stats, the planner tree, the event
// timeline, the guest's output and journal, and its receipt.

import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api } from '../api/client';
import { JobActions } from '../components/JobActions';
import { JobProgress } from '../components/JobProgress';
import { Journal } from '../components/Journal';
import { PhaseBadge } from '../components/PhaseBadge';
import { PlannerTree } from '../components/PlannerTree';
import { ReceiptActions } from '../components/ReceiptActions';
import { useNow } from '../components/useNow';
import { bytes, count, duration, time } from '../lib/format';
import { isTerminalPhase } from '../lib/jobs';
import { nodeLabel } from '../lib/tree';

export function JobDetailView({ jobId }: { jobId: string }) {
  const q = useQuery({ queryKey: ['job', jobId], queryFn: () => api.job(jobId) });
  const job = q.data;
  const now = useNow(job !== undefined && !isTerminalPhase(job.phase));
  if (q.error) {
    return (
      <section>
        <h1>Job {jobId}</h1>
        <p role="alert" className="error">
          {q.error.message}
        </p>
        <Link href="/jobs">Back to jobs</Link>
      </section>
    );
  }
  if (!job) return <p className="muted">Loading job {jobId}…</p>;
  const elapsed = isTerminalPhase(job.phase) ? job.elapsedMs : now - job.createdAt;
  // The timeline names tasks as the tree does ("execute", "prove 3"), not by their ids.
  const labels = new Map(job.tasks.map((t) => [t.taskId, nodeLabel(t)]));
  return (
    <section aria-labelledby="job-title" className="detail">
      <div className="heading">
        <h1 id="job-title">
          Job <code>{job.jobId}</code>
        </h1>
        <PhaseBadge phase={job.phase} />
        <JobActions status={job} afterDelete="/jobs" />
      </div>
      {job.error && (
        <p role="alert" className="error failure">
          {job.phase === 'stopped' ? 'Stopped by you.' : `Failed: ${job.error}`}
        </p>
      )}
      <JobProgress status={job} />
      <dl className="stats">
        <dt>Cycles</dt>
        <dd data-stat="cycles">{count(job.cycles)}</dd>
        <dt>Segments</dt>
        <dd>
          {job.executeOnly ? 'execute only' : `${job.proven} of ${job.segments}${job.executionDone ? '' : '+'} proven`}
        </dd>
        <dt>Receipt</dt>
        <dd data-stat="receipt-kind">
          {job.executeOnly ? '–' : job.receiptKind}
          {job.receiptBytes !== null && `, ${bytes(job.receiptBytes)}`}
        </dd>
        <dt>Exit code</dt>
        <dd>{job.exitCode ?? '–'}</dd>
        <dt>Elapsed</dt>
        <dd>{duration(elapsed)}</dd>
        <dt>Time left</dt>
        <dd>{isTerminalPhase(job.phase) ? '–' : duration(job.etaMs)}</dd>
        <dt>Started</dt>
        <dd>{time(job.createdAt)}</dd>
        <dt>Image ID</dt>
        <dd>
          <code className="wrap">{job.imageId ?? '–'}</code>
        </dd>
      </dl>
      {job.phase === 'succeeded' && !job.executeOnly && (
        <section aria-labelledby="receipt-title">
          <h2 id="receipt-title">Receipt</h2>
          {job.hasReceipt ? <ReceiptActions jobId={job.jobId} /> : <p className="muted">The receipt was deleted.</p>}
        </section>
      )}
      <section aria-labelledby="journal-title">
        <h2 id="journal-title">Journal</h2>
        {job.journalHex === null ? <p className="muted">No journal yet.</p> : <Journal hex={job.journalHex} />}
      </section>
      <section aria-labelledby="tree-title">
        <h2 id="tree-title">Planner tree</h2>
        <PlannerTree tasks={job.tasks} now={now} />
      </section>
      <GuestOutput jobId={job.jobId} ready={job.executionDone || isTerminalPhase(job.phase)} />
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <ol className="timeline">
          {job.events.map((e) => (
            <li key={e.id}>
              <time dateTime={new Date(e.at).toISOString()}>{new Date(e.at).toLocaleTimeString()}</time>{' '}
              <strong>{e.taskId === null ? 'job' : (labels.get(e.taskId) ?? e.taskId)}</strong> {e.from ?? '·'} → {e.to}
              {e.reason ? <span className="muted"> — {e.reason}</span> : null}
            </li>
          ))}
        </ol>
      </section>
    </section>
  );
}

/** What the guest wrote, once its execution has ended. */
function GuestOutput({ jobId, ready }: { jobId: string; ready: boolean }) {
  const q = useQuery({
    queryKey: ['logs', jobId, ready],
    queryFn: async () => new TextDecoder().decode(await api.logs(jobId)),
  });
  return (
    <section aria-labelledby="logs-title">
      <h2 id="logs-title">Guest output</h2>
      {q.error ? (
        <p className="error">{q.error.message}</p>
      ) : q.data ? (
        <pre className="logs">{q.data}</pre>
      ) : (
        <p className="muted">
          {ready ? 'The guest wrote nothing to stdout or stderr.' : 'Output appears when execution ends.'}
        </p>
      )}
    </section>
  );
}
