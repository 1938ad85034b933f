package views

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/switchboardhq/switchboard/store"
)

// queueLabel is a queue's name on the page.
func queueLabel(q string) string {
	switch q {
	case "":
		return "All queues"
	case store.TicketDisputes:
		return "Disputes"
	}
	return strings.ToUpper(q[:1]) + q[1:]
}

// ticketsQuery is the tickets list's query string for a queue and status.
func ticketsQuery(queue, status string) string {
	var parts []string
	if queue != "" {
		parts = append(parts, "queue="+queue)
	}
	if status != "" {
		parts = append(parts, "status="+status)
	}
	if len(parts) == 0 {
		return "/tickets"
	}
	return "/tickets?" + strings.Join(parts, "&")
}

func ticketHref(id int64) string { return "/tickets/" + itoa(id) }

func customerHref(id int64) string { return "/customers/" + itoa(id) }

func messageHref(id int64) string { return "/outbox/" + itoa(id) }

// priorityBadge marks high priority.
func priorityBadge(p string) string {
	if p == store.PriorityHigh {
		return "badge bad"
	}
	return "badge"
}

// severityBadge is the badge class of an alert severity.
func severityBadge(s string) string {
	switch s {
	case store.SeverityCritical:
		return "badge bad"
	case store.SeverityWarning:
		return "badge warn"
	}
	return "badge"
}

// commsBadge is the badge class of an account's communication state.
func commsBadge(c string) string {
	if c == store.CommsDegraded {
		return "badge bad"
	}
	return "badge good"
}

// msgBadge is the badge class of a message status.
func msgBadge(s string) string {
	switch s {
	case store.MsgSent:
		return "badge good"
	case store.MsgFailed, store.MsgUnknown:
		return "badge bad"
	case store.MsgDegraded, store.MsgQueued, store.MsgSending:
		return "badge warn"
	}
	return "badge"
}

// alertSubjectHref links an alert's subject to its page when it names
// something the console shows: an account, or (for admins) a message.
func alertSubjectHref(subject string, admin bool) string {
	kind, id, ok := strings.Cut(subject, ":")
	if !ok {
		return ""
	}
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return ""
	}
	switch {
	case kind == "account":
		return "/customers/" + id
	case kind == "message" && admin:
		return "/outbox/" + id
	}
	return ""
}

// statusLabel names a list filter's value ("" is every one).
func statusLabel(s, all string) string {
	if s == "" {
		return all
	}
	return s
}

// latency formats a duration for the overview: ms under a second, seconds
// with one decimal under a minute, else minutes.
func latency(d time.Duration) string {
	switch {
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%.1f min", d.Minutes())
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// crmLatency is the overview's payment-to-CRM figure.
func crmLatency(l store.CRMLatency) string {
	if l.Syncs == 0 {
		return "—"
	}
	return latency(l.Median)
}

// crmLatencyDetail is the p95 and sample size under the median.
func crmLatencyDetail(l store.CRMLatency) string {
	if l.Syncs == 0 {
		return "no CRM updates in 24 h"
	}
	return "p95 " + latency(l.P95) + " over " + plural(int(l.Syncs), "update")
}

// outboxQuery is the message log's URL for a status ("" for all).
func outboxQuery(status string) string {
	if status == "" {
		return "/outbox"
	}
	return "/outbox?status=" + status
}

// oobSwap marks a fragment for htmx's out-of-band swap when oob is set.
func oobSwap(oob bool) templ.Attributes {
	if oob {
		return templ.Attributes{"hx-swap-oob": "true"}
	}
	return templ.Attributes{}
}

// turnLabel says whose turn a ticket is, from its status (store.TicketTurn).
func turnLabel(status string) string {
	switch store.TicketTurn(status) {
	case store.WaitingOnCustomer:
		return "waiting on the customer"
	case store.WaitingOnStaff:
		return "waiting on staff"
	}
	return "done"
}
