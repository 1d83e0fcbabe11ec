// The stored receipts: verify, export, delete.

import { Link } from 'wouter';
import { api } from '../api/client';
import { usePagedList } from '../api/paged';
import type { ReceiptPage } from '../../../core/api/contract';
import { ReceiptActions } from '../components/ReceiptActions';
import { PagedList } from '../components/VirtualList';
import { bytes, count, shortId, time } from '../lib/format';

export function ReceiptsView() {
  const paged = usePagedList(
    ['receipts'],
    (page) => api.receipts(page),
    (p: ReceiptPage) => p.receipts,
    (p) => p.total,
  );
  return (
    <section aria-labelledby="receipts-title">
      <div className="heading">
        <h1 id="receipts-title">Receipts</h1>
        <span className="muted">{paged.query.data ? `${count(paged.total)} stored` : ''}</span>
      </div>
      <PagedList
        paged={paged}
        loading="Loading receipts…"
        rowHeight={84}
        label="Receipts"
        keyOf={(r) => r.jobId}
        empty="No receipts yet: a proof that succeeds stores one."
        row={(r) => (
          <div className="receiptrow" data-job={r.jobId}>
            <div>
              <Link href={`/jobs/${r.jobId}`}>Job {shortId(r.jobId)}</Link>
              <span className="muted">
                {' '}
                · {time(r.endedAt ?? r.createdAt)} · {count(r.cycles)} cycles · {r.segments} segments ·{' '}
                {bytes(r.receiptBytes)}
              </span>
              <div className="muted">
                image <code>{r.imageId ? shortId(r.imageId) : '–'}</code>
              </div>
            </div>
            <ReceiptActions jobId={r.jobId} canDelete />
          </div>
        )}
      />
    </section>
  );
}
