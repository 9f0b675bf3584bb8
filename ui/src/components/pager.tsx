/** Page controls for lists paginated by the gateway. */

export function Pager(props: {
  page: number;
  totalPages: number;
  total?: number;
  onPage(page: number): void;
}) {
  const { page, totalPages, total } = props;
  if (totalPages <= 1 && total === undefined) return null;
  return (
    <nav className="pager" aria-label="Pagination">
      <button
        type="button"
        className="secondary"
        disabled={page <= 1}
        onClick={() => props.onPage(page - 1)}
      >
        Previous
      </button>
      <span>
        Page {page} of {Math.max(totalPages, 1)}
        {total !== undefined && ` · ${total.toLocaleString()} in all`}
      </span>
      <button
        type="button"
        className="secondary"
        disabled={page >= totalPages}
        onClick={() => props.onPage(page + 1)}
      >
        Next
      </button>
    </nav>
  );
}
