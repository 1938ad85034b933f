package views

import (
	"cmp"
	"net/url"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// stripeURL is an object's page on Stripe's dashboard, in the test or live
// dashboard by mode. kind is event, customer, payment, dispute, payout or
// account; "" for an unknown kind or an empty ID.
func stripeURL(kind, id string, live bool) string {
	if id == "" {
		return ""
	}
	base := "https://dashboard.stripe.com/"
	if !live {
		base += "test/"
	}
	paths := map[string]string{"event": "events/", "customer": "customers/", "payment": "payments/",
		"dispute": "disputes/", "payout": "payouts/", "account": "connect/accounts/"}
	p, ok := paths[kind]
	if !ok {
		return ""
	}
	return base + p + url.PathEscape(id)
}

func orderHref(id int64) string { return "/orders/" + itoa(id) }

func jobHref(id int64) string { return "/jobs/" + itoa(id) }

// alertHref is the page of what an alert is about ("" when it has none):
// its subject names the object ("dispute:dp_…", "account:7", "message:3",
// "event:evt_…", "api_version:…").
func alertHref(kind, subject string) string {
	what, id, ok := strings.Cut(subject, ":")
	if !ok || id == "" {
		switch kind {
		case store.AlertWebhookFailures:
			return "/events?status=failed"
		}
		return ""
	}
	switch what {
	case "dispute":
		return "/disputes/" + url.PathEscape(id)
	case "account":
		return "/customers/" + url.PathEscape(id)
	case "message":
		return "/outbox/" + url.PathEscape(id)
	case "event":
		return "/events/" + url.PathEscape(id)
	case "api_version":
		return "/events?status=held"
	}
	return ""
}

// AttentionLink is one "Needs attention" item as the overview shows it: what,
// where it lives, and the one thing to do about it.
type AttentionLink struct {
	Tone   string // bad or warn
	Title  string
	Detail string
	Href   string
	// Action names the primary action, done at ActionHref.
	Action     string
	ActionHref string
	// Stripe is the object on Stripe's dashboard, if it has one.
	Stripe string
}

// attentionLinks turns the store's items into links; admin-only pages are
// linked for admins only.
func attentionLinks(d OverviewData) []AttentionLink {
	var out []AttentionLink
	for _, it := range d.Attention {
		if l, ok := attentionLink(it, d); ok {
			out = append(out, l)
		}
	}
	return out
}

func attentionLink(it store.AttentionItem, d OverviewData) (AttentionLink, bool) {
	admin := d.Admin
	adm := func(h string) string { return adminLink(admin, h) }
	switch it.Kind {
	case store.AttnEventFailed:
		l := AttentionLink{Tone: "bad", Title: "Event " + it.Ref + " (" + it.Label + ") failed", Detail: cleanError(it.Detail),
			Href: "/events/" + it.Ref, Action: "Dry run, then replay or ignore", ActionHref: "/events/" + it.Ref + "#replay",
			Stripe: stripeURL("event", it.Ref, it.Livemode)}
		if it.MovesMoney {
			// Money that did not land must not be waved away.
			l.Action = "See why, fix, then replay"
		}
		return l, true
	case store.AttnEventHeld:
		return AttentionLink{Tone: "warn", Title: plural(int(it.Count), "event") + " held for API version " + orDash(it.Ref),
			Detail: "Set the webhook endpoint's API version in Stripe to this build's, then replay them.",
			Href:   "/events?status=held", Action: "Replay held events", ActionHref: adm("/events/bulk-replay?status=held")}, true
	case store.AttnEventRetrying:
		return AttentionLink{Tone: "warn", Title: "Event " + it.Ref + " (" + it.Label + ") retrying (attempt " + itoa(it.Count+1) + ")",
			Detail: cleanError(it.Detail), Href: "/events/" + it.Ref, Action: "See its attempts", ActionHref: "/events/" + it.Ref}, true
	case store.AttnJobsFailed:
		return AttentionLink{Tone: "bad", Title: plural(int(it.Count), "job") + " failed for good", Detail: "They will not run again unless retried.",
			Href: adm("/jobs?state=discarded"), Action: "Retry or discard them", ActionHref: adm("/jobs?state=discarded")}, true
	case store.AttnJobsRetrying:
		return AttentionLink{Tone: "warn", Title: plural(int(it.Count), "job") + " retrying", Detail: "River runs them again with backoff.",
			Href: adm("/jobs?state=retryable"), Action: "See their errors", ActionHref: adm("/jobs?state=retryable")}, true
	case store.AttnDisputeDue:
		l := AttentionLink{Tone: "bad", Title: "Dispute " + cmp.Or(it.StripeID, it.Ref) + " (" + words(it.Label) + ", " + moneyP(it.Amount, it.Currency) + ")",
			Href: "/disputes/" + it.Ref, Action: "Gather evidence", ActionHref: "/disputes/" + it.Ref}
		if it.At != nil {
			l.Detail = "Evidence due " + until(*it.At, d.Now) + "."
		}
		return l, true
	case store.AttnRefundFailed:
		l := AttentionLink{Tone: "bad", Title: "Refund for " + it.Label + " (" + moneyP(it.Amount, it.Currency) + ") failed: request it again or refund in Stripe",
			Detail: cleanError(it.Detail), Href: "/orders/" + it.Ref, Stripe: stripeURL("payment", it.StripeID, d.Live)}
		if admin {
			l.Action, l.ActionHref = "Request it again", "/orders/"+it.Ref+"/refund"
		}
		return l, true
	case store.AttnEvidenceFailed:
		l := AttentionLink{Tone: "bad", Title: "Evidence for dispute " + it.Label + " (" + moneyP(it.Amount, it.Currency) + ") did not reach Stripe",
			Detail: cleanError(it.Detail), Href: "/disputes/" + it.Ref, Action: "Submit it again", ActionHref: "/disputes/" + it.Ref + "#dispute-evidence",
			Stripe: stripeURL("dispute", it.StripeID, d.Live)}
		if it.At != nil {
			l.Title += ": evidence due " + until(*it.At, d.Now)
		}
		return l, true
	case store.AttnPayoutFailed:
		l := AttentionLink{Tone: "bad", Title: "Payout " + it.Ref + " failed (" + moneyP(it.Amount, it.Currency) + ")",
			Detail: strings.TrimSpace(it.Label + " " + it.Detail), Stripe: stripeURL("payout", it.Ref, d.Live)}
		if it.AccountID != nil {
			l.Href, l.Action, l.ActionHref = customerHref(*it.AccountID)+"#payouts", "Ask the seller to fix their bank account", customerHref(*it.AccountID)+"#payouts"
		}
		return l, true
	case store.AttnCRMDegraded:
		l := AttentionLink{Tone: "bad", Title: "CRM: " + plural(int(it.Count), "account") + " not synced", Detail: cleanError(it.Detail),
			Href: "/alerts", Action: "Check the CRM settings and alerts", ActionHref: "/alerts"}
		if it.AccountID != nil {
			l.Href = customerHref(*it.AccountID)
		}
		return l, true
	case store.AttnMailDegraded:
		return AttentionLink{Tone: "bad", Title: "Mail: " + plural(int(it.Count), "email") + " not delivered", Detail: cleanError(it.Detail),
			Href: adm("/outbox?status=failed"), Action: "Check SMTP, then resend", ActionHref: adm("/outbox?status=failed")}, true
	case store.AttnAppFailed:
		return AttentionLink{Tone: "bad", Title: "App webhook: " + plural(int(it.Count), "event") + " not delivered", Detail: cleanError(it.Detail),
			Href: adm("/deliveries?status=failed"), Action: "Fix the app's receiver, then redeliver", ActionHref: adm("/deliveries?status=failed")}, true
	case store.AttnEmailUnknown:
		return AttentionLink{Tone: "bad", Title: "Email " + it.Ref + " may not have reached the customer", Detail: it.Label,
			Href: adm("/outbox/" + it.Ref), Action: "Check and resend", ActionHref: adm("/outbox/" + it.Ref)}, true
	}
	return AttentionLink{}, false
}

// cleanError hides River's internal error names from people: what the worker
// said is enough.
func cleanError(s string) string {
	for _, p := range []string{"JobCancelError: ", "jobCancelError: ", "river: ", "JobSnoozeError: "} {
		s = strings.ReplaceAll(s, p, "")
	}
	return s
}

// toneWord says a tone in words, so that colour is never the only sign.
func toneWord(tone string) string {
	if tone == "bad" {
		return "action needed"
	}
	return "watch"
}

// dueTone colours the nearest evidence deadline by urgency.
func dueTone(d OverviewData) string {
	if d.NextEvidenceDue == nil {
		return ""
	}
	switch left := d.NextEvidenceDue.Sub(d.Now); {
	case left < 24*time.Hour:
		return "bad"
	case left < store.AttentionWindow:
		return "warn"
	}
	return ""
}

// crmFailing is true when accounts are failing to reach the CRM.
func crmFailing(d OverviewData) bool {
	for _, it := range d.Attention {
		if it.Kind == store.AttnCRMDegraded {
			return true
		}
	}
	return false
}

// objectHref is our page for a Stripe ID, by its prefix ("" when we have none).
func objectHref(id string) string {
	switch {
	case strings.HasPrefix(id, "evt_"):
		return "/events/" + id
	case strings.HasPrefix(id, "cus_"), strings.HasPrefix(id, "acct_"):
		return "/customers/" + id
	case strings.HasPrefix(id, "pi_"), strings.HasPrefix(id, "ch_"):
		return "/orders/" + id
	case strings.HasPrefix(id, "dp_"):
		return "/disputes/" + id
	}
	return ""
}

// stripeKind is the dashboard kind of a Stripe ID, by its prefix.
func stripeKind(id string) string {
	switch {
	case strings.HasPrefix(id, "evt_"):
		return "event"
	case strings.HasPrefix(id, "cus_"):
		return "customer"
	case strings.HasPrefix(id, "acct_"):
		return "account"
	case strings.HasPrefix(id, "pi_"), strings.HasPrefix(id, "ch_"):
		return "payment"
	case strings.HasPrefix(id, "dp_"):
		return "dispute"
	case strings.HasPrefix(id, "po_"):
		return "payout"
	}
	return ""
}

// orderLabel names an order by the marketplace's reference, else our number.
func orderLabel(id int64, ref *string) string {
	if ref != nil && *ref != "" {
		return *ref
	}
	return "order " + itoa(id)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func jobsTabHref(state, kind string) string {
	v := url.Values{"state": {state}}
	if kind != "" {
		v.Set("kind", kind)
	}
	return "/jobs?" + v.Encode()
}

func jobActionHTMX(id int64, action, _ string) string {
	return "/jobs/" + itoa(id) + "/" + action
}

func kindSuffix(kind string) string {
	if kind == "" {
		return ""
	}
	return " of kind " + kind
}

func bulkVerb(action string) string {
	if action == "discard" {
		return "Discard"
	}
	return "Retry"
}

func bulkDone(action string) string {
	if action == "discard" {
		return "discarded: they will not run again"
	}
	return "queued to run now"
}

func bulkClass(action string) string {
	if action == "discard" {
		return "danger"
	}
	return "primary"
}

// matchSentence says how many events a bulk replay matches and replays.
func matchSentence(d BulkReplayData) string {
	verb := " match"
	if d.Count == 1 {
		verb = " matches"
	}
	s := plural(d.Count, "event") + verb
	if d.Count > d.Cap {
		s += "; the oldest " + itoa(d.Cap) + " will be replayed now (confirm again for the rest)"
	}
	return s + "."
}

// home is the signed-in role's home page.
func home(sh Shell) string {
	if sh.Home == "" {
		return "/"
	}
	return sh.Home
}

// homeName names it for the error page's link.
func homeName(sh Shell) string {
	if home(sh) == "/" {
		return "the overview"
	}
	return "your sales"
}

// auditHref is the audit log filtered by one field (actor, action, subject).
func auditHref(field, value string) string {
	return "/audit?" + url.Values{field: {value}}.Encode()
}
