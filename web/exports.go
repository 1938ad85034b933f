package web

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// exportPageSize is how many rows an export reads from the store at a time:
// each keyset page is written and flushed before the next is read, so an
// export of any size holds one page in memory.
const exportPageSize = 500

// exportPageWrite is how long the client has to take each page: the
// server's WriteTimeout bounds a whole response, which a large export
// outlives, so the deadline rolls forward page by page instead.
const exportPageWrite = time.Minute

// exportPager returns an export's next rows, already turned into cells; no
// rows means the export is done.
type exportPager func(ctx context.Context) ([][]string, error)

// keyset makes an exportPager from a store query that reads one page after
// the position advance last moved to, and the row that turns an item into
// cells.
func keyset[T any](fetch func(ctx context.Context) ([]T, error), advance func(last T), row func(T) []string) exportPager {
	done := false
	return func(ctx context.Context) ([][]string, error) {
		if done {
			return nil, nil
		}
		items, err := fetch(ctx)
		if err != nil {
			return nil, err
		}
		done = len(items) < exportPageSize
		out := make([][]string, len(items))
		for i, it := range items {
			out[i] = row(it)
		}
		if len(items) > 0 {
			advance(items[len(items)-1])
		}
		return out, nil
	}
}

// customersExport handles GET /customers.csv?q=: every customer the
// customers page finds for q, newest first.
func (s *Server) customersExport(w http.ResponseWriter, r *http.Request) error {
	query := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(query) > 200 {
		return badRequest("the search is longer than 200 characters")
	}
	var before int64
	page := keyset(func(ctx context.Context) ([]store.Account, error) {
		return s.store.SearchAccounts(ctx, query, before, exportPageSize)
	}, func(a store.Account) { before = a.ID }, func(a store.Account) []string {
		return []string{num(a.ID), cell(a.Name), cell(strP(a.Email)), cell(a.Role), cell(a.PlanTier),
			cell(a.PaymentState), cell(strP(a.StripeCustomerID)), cell(strP(a.StripeAccountID)),
			cell(strP(a.CRMContactID)), cell(a.CRMSyncStatus), stamp(&a.CreatedAt)}
	})
	header := []string{"id", "name", "email", "role", "plan_tier", "payment_state", "stripe_customer_id",
		"stripe_account_id", "crm_contact_id", "crm_sync_status", "created_at"}
	return s.exportCSV(w, r, "customers", map[string]string{"q": query}, header, page)
}

// ordersExport handles GET /orders.csv?status=: every order the orders page
// lists for the status, newest first.
func (s *Server) ordersExport(w http.ResponseWriter, r *http.Request) error {
	f, err := orderListFilter(r.URL.Query())
	if err != nil {
		return err
	}
	f.BeforeID, f.Limit = 0, exportPageSize
	page := keyset(func(ctx context.Context) ([]store.OrderRow, error) {
		return s.store.OrderList(ctx, f)
	}, func(o store.OrderRow) { f.BeforeID = o.ID }, func(o store.OrderRow) []string {
		return []string{num(o.ID), cell(o.Reference), cell(o.Status), store.Units(o.Amount, o.Currency),
			store.Units(o.RefundedAmount, o.Currency), cell(strings.ToUpper(o.Currency)),
			numP(o.BuyerAccountID), cell(strP(o.BuyerName)), cell(strP(o.BuyerEmail)),
			numP(o.SellerAccountID), cell(strP(o.SellerName)), cell(strP(o.SellerEmail)),
			cell(strP(o.StripePaymentIntentID)), stamp(&o.CreatedAt)}
	})
	header := []string{"id", "reference", "status", "amount", "refunded_amount", "currency",
		"buyer_account_id", "buyer_name", "buyer_email", "seller_account_id", "seller_name", "seller_email",
		"stripe_payment_intent_id", "created_at"}
	return s.exportCSV(w, r, "orders", map[string]string{"status": f.Status}, header, page)
}

// disputesExport handles GET /disputes.csv?queue=open|closed: the whole queue
// in the dispute page's order (open by nearest deadline, closed newest first).
func (s *Server) disputesExport(w http.ResponseWriter, r *http.Request) error {
	queue := r.URL.Query().Get("queue")
	if queue == "" {
		queue = store.QueueOpen
	}
	if queue != store.QueueOpen && queue != store.QueueClosed {
		return badRequest("queue must be open or closed")
	}
	var after *store.DisputeCursor
	page := keyset(func(ctx context.Context) ([]store.QueueDispute, error) {
		return s.store.DisputeQueue(ctx, queue, after, exportPageSize)
	}, func(d store.QueueDispute) { c := d.Cursor(); after = &c }, func(d store.QueueDispute) []string {
		return []string{num(d.ID), cell(d.StripeDisputeID), cell(d.QueueState), cell(d.Status), cell(d.Reason),
			store.Units(d.Amount, d.Currency), cell(strings.ToUpper(d.Currency)), stamp(d.EvidenceDueBy),
			numP(d.AccountID), cell(d.CustomerName), cell(strP(d.CustomerEmail)), numP(d.OrderID),
			cell(strP(d.OrderReference)), numP(d.SellerAccountID), cell(strP(d.SellerName)),
			cell(strP(d.AssigneeEmail)), numP(d.TicketID), stamp(&d.CreatedAt)}
	})
	header := []string{"id", "stripe_dispute_id", "queue_state", "status", "reason", "amount", "currency",
		"evidence_due_by", "customer_account_id", "customer_name", "customer_email", "order_id", "order_reference",
		"seller_account_id", "seller_name", "assignee_email", "ticket_id", "created_at"}
	return s.exportCSV(w, r, "disputes", map[string]string{"queue": queue}, header, page)
}

// ticketsExport handles GET /tickets.csv?queue=Q&status=S: every ticket the
// tickets page lists for the filters, newest first. Subjects are redacted as
// on the page; bodies stay out of the file.
func (s *Server) ticketsExport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.TicketFilter{Queue: q.Get("queue"), Status: q.Get("status"), Limit: exportPageSize}
	if f.Queue != "" && !slices.Contains(ticketQueues, f.Queue) {
		return badRequest("queue must be one of " + strings.Join(ticketQueues, ", "))
	}
	if f.Status != "" && !store.ValidTicketStatus(f.Status) {
		return badRequest("status must be one of " + strings.Join(store.TicketStatuses, ", "))
	}
	page := keyset(func(ctx context.Context) ([]store.Ticket, error) {
		return s.store.Tickets(ctx, f)
	}, func(t store.Ticket) { f.BeforeID = t.ID }, func(t store.Ticket) []string {
		return []string{num(t.ID), cell(t.Queue), cell(t.Status), cell(t.Priority), cell(t.Channel),
			cell(t.RequesterEmail), cell(store.Redact(t.Subject)), cell(strings.Join(t.Tags, " ")),
			numP(t.AccountID), numP(t.DisputeID), stamp(&t.CreatedAt), stamp(&t.UpdatedAt)}
	})
	header := []string{"id", "queue", "status", "priority", "channel", "requester_email", "subject", "tags",
		"account_id", "dispute_id", "created_at", "updated_at"}
	return s.exportCSV(w, r, "tickets", map[string]string{"queue": f.Queue, "status": f.Status}, header, page)
}

// exportCSV streams a CSV download: the header row, then page after page,
// flushed as it goes, and audits the export (who, which list, the filters,
// how many rows). The first page is read before anything is written, so a
// failing store is still a clean error page; a failure after that cuts the
// response off, so the download fails rather than looking complete.
func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request, list string, filters map[string]string,
	header []string, page exportPager) error {
	ctx := r.Context()
	rows, err := page(ctx)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, list, time.Now().UTC().Format("20060102-150405")))
	h.Set("Cache-Control", "no-store")
	n, err := writePages(ctx, w, header, rows, page)
	for k, v := range filters {
		if v == "" {
			delete(filters, k)
		}
	}
	// The client may be gone: the audit entry is written regardless.
	actx := context.WithoutCancel(ctx)
	if aerr := s.store.Audit(actx, currentUser(ctx).Email, "export."+list, list,
		map[string]any{"filters": filters, "rows": n, "complete": err == nil}); aerr != nil {
		s.log.ErrorContext(actx, "auditing an export", "list", list, "err", aerr)
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			s.log.ErrorContext(actx, "export cut short", "list", list, "rows", n, "err", err,
				"request_id", requestID(ctx))
		}
		panic(http.ErrAbortHandler)
	}
	return nil
}

// writePages writes the header row, then each page and the pages after it,
// flushing each to the client before reading the next; it returns how many
// rows it wrote.
func writePages(ctx context.Context, w http.ResponseWriter, header []string, rows [][]string, page exportPager) (int, error) {
	cw := csv.NewWriter(w)
	rc := http.NewResponseController(w)
	n := 0
	err := cw.Write(header)
	for err == nil && len(rows) > 0 {
		if err = rc.SetWriteDeadline(time.Now().Add(exportPageWrite)); errors.Is(err, http.ErrNotSupported) {
			err = nil
		}
		for i := 0; err == nil && i < len(rows); i++ {
			if err = cw.Write(rows[i]); err == nil {
				n++
			}
		}
		if cw.Flush(); err == nil {
			err = cw.Error()
		}
		if err == nil {
			if err = rc.Flush(); errors.Is(err, http.ErrNotSupported) {
				err = nil
			}
		}
		if err == nil {
			rows, err = page(ctx)
		}
	}
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return n, err
}

// cell neutralises a text cell against spreadsheet formula injection
// (OWASP's CSV injection guidance): one that starts with =, +, -, @, a tab
// or a carriage return gets a leading apostrophe, so a spreadsheet shows it
// as text instead of evaluating it. Quoting commas, quotes and newlines is
// encoding/csv's job.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// num is an ID cell: ours, never a formula.
func num(n int64) string { return strconv.FormatInt(n, 10) }

// numP is an optional ID cell, empty when absent.
func numP(n *int64) string {
	if n == nil {
		return ""
	}
	return num(*n)
}

// strP is an optional text, empty when absent.
func strP(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// stamp is a time cell in UTC RFC 3339, empty when absent.
func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
