// The stored receipts: verify, export, delete.

import { useInfiniteQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { Link } from 'wouter';
import { getJson } from '../api/client';
import type { StoredReceipt } from '../api/types';
import { ReceiptActions } from '../components/ReceiptActions';
import { VirtualList } from '../components/VirtualList';
import { bytes, count, shortId, time } from '../lib/format';

const PAGE = 100;
type ReceiptPage = { receipts: StoredReceipt[]; total: number };

export function ReceiptsView() {
  const q = useInfiniteQuery({
    queryKey: ['receipts'],
    queryFn: ({ pageParam }) => getJson<ReceiptPage>(`/api/receipts?limit=${PAGE}&offset=${pageParam}`),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.receipts.length, 0);
      return loaded < last.total ? loaded : undefined;
    },
  });
  const receipts = q.data?.pages.flatMap((p) => p.receipts) ?? [];
  const total = q.data?.pages.at(-1)?.total ?? 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = q;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  return (
    <section aria-labelledby="receipts-title">
      <div className="heading">
        <h1 id="receipts-title">Receipts</h1>
        <span className="muted">{q.data ? `${count(total)} stored` : ''}</span>
      </div>
      {q.error && (
        <p role="alert" className="error">
          {q.error.message}
        </p>
      )}
      {q.isPending ? (
        <p className="muted">Loading receipts…</p>
      ) : (
        <VirtualList
          items={receipts}
          total={total}
          rowHeight={84}
          label="Receipts"
          keyOf={(r) => r.jobId}
          loadMore={loadMore}
          empty="No receipts yet: a proof that succeeds stores one."
          row={(r) => (
            <div className="receiptrow" data-job={r.jobId}>
              <div>
                <Link href={`/jobs/${r.jobId}`}>Job {shortId(r.jobId)}</Link>
                <span className="muted">
                  {' '}
                  · {time(r.endedAt ?? r.createdAt)} · {count(r.cycles)} cycles · {r.segments} segments · {bytes(r.receiptBytes)}
                </span>
                <div className="muted">
                  image <code>{r.imageId ? shortId(r.imageId) : '–'}</code>
                </div>
              </div>
              <ReceiptActions jobId={r.jobId} canDelete />
            </div>
          )}
        />
      )}
    </section>
  );
}
