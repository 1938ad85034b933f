package views

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// htmxConfig turns off what the CSP forbids (inline indicator styles, eval)
// and lets error responses swap, so their message reaches the flash area.
const htmxConfig = `{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"[45]..","swap":true,"error":true}]}`

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func fmtTimeP(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return fmtTime(*t)
}

func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// until says how far a deadline is from now ("in 3 days", "2 hours ago").
func until(t, now time.Time) string {
	d := t.Sub(now)
	suffix := ""
	prefix := "in "
	if d < 0 {
		d, prefix, suffix = -d, "", " ago"
	}
	var s string
	switch {
	case d < time.Minute:
		s = "less than a minute"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		s = plural(int(d/time.Hour), "hour")
	default:
		s = plural(int(d/(24*time.Hour)), "day")
	}
	return prefix + s + suffix
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// money formats an amount in the currency's minor units, as Stripe sends it.
func money(amount int64, currency string) string { return store.Money(amount, currency) }

func itoa[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

func idP(p *int64) string {
	if p == nil {
		return "—"
	}
	return itoa(*p)
}

func strP(p *string) string {
	if p == nil || *p == "" {
		return "—"
	}
	return *p
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// badge is the CSS class for a status word.
// eventStatus is the status an event shows: received with failed attempts is
// retrying (River will try again), not failed.
func eventStatus(status string, attempts int) string {
	if status == "received" && attempts > 0 {
		return "retrying"
	}
	return status
}

// eventStatusLabel says the same in words, with the attempt being waited for.
func eventStatusLabel(status string, attempts int) string {
	if s := eventStatus(status, attempts); s == "retrying" {
		return "retrying (attempt " + itoa(attempts+1) + ")"
	}
	return status
}

func badge(status string) string {
	switch status {
	case "processed", "paid", "succeeded", "completed", "won", "synced", "active", "ok", "closed":
		return "badge good"
	case "failed", "discarded", "lost", "charged_back", "disputed", "past_due", "error", "needs_response", "warning_needs_response":
		return "badge bad"
	case "held", "retryable", "retrying", "pending", "under_review", "warning_under_review", "open", "partially_refunded":
		return "badge warn"
	}
	return "badge"
}

func pct(o OverviewData) string {
	p, ok := o.PaymentSuccessRate()
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", p)
}

func warnIf(b bool) string {
	if b {
		return "warn"
	}
	return ""
}

func badIf(b bool) string {
	if b {
		return "bad"
	}
	return ""
}

func adminLink(admin bool, href string) string {
	if admin {
		return href
	}
	return ""
}

func mode(live bool) string {
	if live {
		return "live"
	}
	return "test"
}

func replayCount(d BulkReplayData) int {
	return min(d.Count, d.Cap)
}

func stateLabel(s string) string {
	switch s {
	case "retryable":
		return "retrying"
	case "discarded":
		return "failed (discarded)"
	case "available":
		return "waiting"
	}
	return s
}

func acctValue(p *int64) string {
	if p == nil {
		return ""
	}
	return itoa(*p)
}

// checkBadge is the badge colour of a launch check's status.
func checkBadge(s store.CheckStatus) string {
	switch s {
	case store.CheckOK:
		return "good"
	case store.CheckWarn:
		return "warn"
	case store.CheckFail:
		return "bad"
	}
	return ""
}

// checksSummary counts the launch checks by status: "1 failing, 2 warnings,
// 14 ok, 4 skipped".
func checksSummary(cs []store.Check) string {
	n := map[store.CheckStatus]int{}
	for _, c := range cs {
		n[c.Status]++
	}
	plural := func(k int, one, many string) string {
		if k == 1 {
			return "1 " + one
		}
		return strconv.Itoa(k) + " " + many
	}
	return plural(n[store.CheckFail], "failing", "failing") + ", " + plural(n[store.CheckWarn], "warning", "warnings") + ", " +
		strconv.Itoa(n[store.CheckOK]) + " ok, " + strconv.Itoa(n[store.CheckSkip]) + " skipped"
}

// suffixed is sep and s, or nothing when s is empty.
func suffixed(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

// words turns one of Stripe's raw values into words for people:
// "product_not_received" reads "Product not received".
func words(v string) string {
	if v == "" {
		return "—"
	}
	v = strings.ReplaceAll(v, "_", " ")
	return strings.ToUpper(v[:1]) + v[1:]
}

// orderTitle names an order in a heading: the marketplace's reference
// (ORD-1004), else "Order 4".
func orderTitle(id int64, ref string) string {
	if ref != "" {
		return ref
	}
	return "Order " + itoa(id)
}

// auditDetail shows an audit entry's detail (JSON) as people read it: its
// summary when it has one, else "key: value" pairs in key order.
func auditDetail(raw string) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil || len(m) == 0 {
		if raw == "null" || raw == "{}" || raw == "" {
			return "—"
		}
		return raw
	}
	if s, ok := m["summary"].(string); ok && s != "" {
		return s
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		var v string
		switch x := m[k].(type) {
		case string:
			v = x
		case nil:
			v = "—"
		case float64, bool:
			v = fmt.Sprint(x)
		default:
			b, _ := json.Marshal(x)
			v = string(b)
		}
		parts = append(parts, strings.ReplaceAll(k, "_", " ")+": "+v)
	}
	return strings.Join(parts, " · ")
}
