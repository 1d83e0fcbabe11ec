// A list that renders only the rows in view (thousands of jobs stay fast) and
// asks for more pages as the end comes into view.

import { useVirtualizer } from '@tanstack/react-virtual';
import { type ReactNode, useEffect, useRef } from 'react';

/** A paged list's rows, or its loading note or error. */
export function PagedList<T>(
  props: Omit<Parameters<typeof VirtualList<T>>[0], 'items' | 'total' | 'loadMore'> & {
    paged: { query: { isPending: boolean; error: Error | null }; rows: T[]; total: number; loadMore: () => void };
    loading: string;
  },
) {
  const { paged, loading, ...list } = props;
  if (paged.query.error) {
    return (
      <p role="alert" className="error">
        {paged.query.error.message}
      </p>
    );
  }
  if (paged.query.isPending) return <p className="muted">{loading}</p>;
  return <VirtualList {...list} items={paged.rows} total={paged.total} loadMore={paged.loadMore} />;
}

export function VirtualList<T>(props: {
  items: readonly T[];
  /** Rows that exist on the server (the list may hold fewer so far). */
  total: number;
  rowHeight: number;
  label: string;
  keyOf: (item: T) => string;
  row: (item: T) => ReactNode;
  loadMore: () => void;
  empty: ReactNode;
}) {
  const parent = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: props.items.length,
    getScrollElement: () => parent.current,
    estimateSize: () => props.rowHeight,
    overscan: 8,
  });
  const rows = virtual.getVirtualItems();
  const last = rows.at(-1)?.index ?? -1;
  const { items, total, loadMore } = props;
  useEffect(() => {
    if (last >= items.length - 10 && items.length < total) loadMore();
  }, [last, items.length, total, loadMore]);
  if (total === 0) return <p className="muted">{props.empty}</p>;
  return (
    <div ref={parent} className="virtual" role="list" aria-label={props.label} tabIndex={0}>
      <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
        {rows.map((r) => {
          const item = items[r.index] as T;
          return (
            <div
              key={props.keyOf(item)}
              role="listitem"
              aria-posinset={r.index + 1}
              aria-setsize={total}
              className="vrow"
              style={{
                position: 'absolute',
                top: 0,
                left: 0,
                right: 0,
                height: r.size,
                transform: `translateY(${r.start}px)`,
              }}
            >
              {props.row(item)}
            </div>
          );
        })}
      </div>
    </div>
  );
}
