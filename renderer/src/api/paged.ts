// A list served in pages (`?limit&offset`, answered with the rows and their
// total), loaded page by page as a virtual list scrolls.

import { useInfiniteQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { PageQuery } from '../../../core/api/contract';

const PAGE = 100;

export function usePagedList<Page, Row>(
  queryKey: readonly unknown[],
  fetchPage: (page: Required<PageQuery>) => Promise<Page>,
  rowsOf: (page: Page) => Row[],
  totalOf: (page: Page) => number,
) {
  const q = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage({ limit: PAGE, offset: pageParam }),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + rowsOf(p).length, 0);
      return loaded < totalOf(last) ? loaded : undefined;
    },
  });
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = q;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const last = q.data?.pages.at(-1);
  return { query: q, rows: q.data?.pages.flatMap(rowsOf) ?? [], total: last ? totalOf(last) : 0, loadMore };
}
