package jobs

import (
	"testing"

	stripe "github.com/stripe/stripe-go/v76"

	"github.com/switchboardhq/switchboard/store"
)

// Every status value stripe-go v76 documents, by object. When Stripe adds one,
// add it here and to StatusTable.
var stripeStatuses = map[string][]string{
	"payment_intent": {
		string(stripe.PaymentIntentStatusCanceled), string(stripe.PaymentIntentStatusProcessing),
		string(stripe.PaymentIntentStatusRequiresAction), string(stripe.PaymentIntentStatusRequiresCapture),
		string(stripe.PaymentIntentStatusRequiresConfirmation), string(stripe.PaymentIntentStatusRequiresPaymentMethod),
		string(stripe.PaymentIntentStatusSucceeded),
	},
	"charge": {string(stripe.ChargeStatusFailed), string(stripe.ChargeStatusPending), string(stripe.ChargeStatusSucceeded)},
	"checkout.session.payment_status": {
		string(stripe.CheckoutSessionPaymentStatusNoPaymentRequired), string(stripe.CheckoutSessionPaymentStatusPaid),
		string(stripe.CheckoutSessionPaymentStatusUnpaid),
	},
	"subscription": {
		string(stripe.SubscriptionStatusActive), string(stripe.SubscriptionStatusCanceled), string(stripe.SubscriptionStatusIncomplete),
		string(stripe.SubscriptionStatusIncompleteExpired), string(stripe.SubscriptionStatusPastDue), string(stripe.SubscriptionStatusPaused),
		string(stripe.SubscriptionStatusTrialing), string(stripe.SubscriptionStatusUnpaid),
	},
	"invoice": {
		string(stripe.InvoiceStatusDraft), string(stripe.InvoiceStatusOpen), string(stripe.InvoiceStatusPaid),
		string(stripe.InvoiceStatusUncollectible), string(stripe.InvoiceStatusVoid),
	},
	"dispute": {
		string(stripe.DisputeStatusLost), string(stripe.DisputeStatusNeedsResponse), string(stripe.DisputeStatusUnderReview),
		string(stripe.DisputeStatusWarningClosed), string(stripe.DisputeStatusWarningNeedsResponse),
		string(stripe.DisputeStatusWarningUnderReview), string(stripe.DisputeStatusWon), "prevented",
	},
	"refund": {
		string(stripe.RefundStatusCanceled), string(stripe.RefundStatusFailed), string(stripe.RefundStatusPending),
		string(stripe.RefundStatusSucceeded), string(stripe.RefundStatusRequiresAction),
	},
	"payout": {
		string(stripe.PayoutStatusCanceled), string(stripe.PayoutStatusFailed), string(stripe.PayoutStatusInTransit),
		string(stripe.PayoutStatusPaid), string(stripe.PayoutStatusPending),
	},
}

// Our vocabulary per object: what a mapping may produce.
var ours = map[string][]string{
	"payment_intent":                  {store.PayPending, store.PayFailed, store.PaySucceeded},
	"charge":                          {store.PayPending, store.PayFailed, store.PaySucceeded},
	"checkout.session.payment_status": {store.PayPending, store.PayFailed, store.PaySucceeded},
	"subscription":                    {store.SubPending, store.SubActive, store.SubPastDue, store.SubPaused, store.SubCanceled},
	"invoice":                         {"draft", "open", "paid", "payment_failed", "void", "uncollectible"},
	"dispute":                         {store.QueueOpen, store.QueueClosed},
	"refund":                          {"pending", "requires_action", "succeeded", "failed", "canceled"},
	"payout":                          {"pending", "in_transit", "paid", "failed", "canceled"},
}

func TestStatusTableCoversEveryStripeStatus(t *testing.T) {
	t.Parallel()
	for object, statuses := range stripeStatuses {
		for _, s := range statuses {
			got, ok := MapStatus(object, s)
			if !ok {
				t.Errorf("%s status %q has no row in StatusTable", object, s)
				continue
			}
			if !contains(ours[object], got) {
				t.Errorf("%s status %q maps to %q, which is not one of ours %v", object, s, got, ours[object])
			}
		}
	}
	for _, r := range StatusTable {
		if !contains(stripeStatuses[r.Object], r.Stripe) {
			t.Errorf("StatusTable row %s/%s is not a status Stripe documents", r.Object, r.Stripe)
		}
	}
	seen := map[[2]string]bool{}
	for _, r := range StatusTable {
		k := [2]string{r.Object, r.Stripe}
		if seen[k] {
			t.Errorf("StatusTable has %s/%s twice", r.Object, r.Stripe)
		}
		seen[k] = true
	}
}

func TestStatusTableSemantics(t *testing.T) {
	t.Parallel()
	want := map[[2]string]string{
		{"subscription", "trialing"}:           store.SubActive,
		{"subscription", "unpaid"}:             store.SubPastDue,
		{"subscription", "incomplete_expired"}: store.SubCanceled,
		{"payment_intent", "canceled"}:         store.PayFailed,
		{"payment_intent", "requires_capture"}: store.PayPending,
		{"dispute", "warning_closed"}:          store.QueueClosed,
		{"dispute", "under_review"}:            store.QueueOpen,
	}
	for k, w := range want {
		if got, _ := MapStatus(k[0], k[1]); got != w {
			t.Errorf("%s/%s: got %q, want %q", k[0], k[1], got, w)
		}
	}
	// The dispute queue state in the table agrees with the store's rule.
	for _, r := range StatusTable {
		if r.Object == "dispute" && (r.Ours == store.QueueClosed) != store.DisputeClosed(r.Stripe) {
			t.Errorf("dispute %s: table says %s, store.DisputeClosed says %v", r.Stripe, r.Ours, store.DisputeClosed(r.Stripe))
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		prod     bool
		typ, ver string
		live     bool
		want     string
	}{
		{false, "charge.succeeded", SupportedAPIVersion, false, store.EventReceived},
		{true, "charge.succeeded", SupportedAPIVersion, true, store.EventReceived},
		{false, "charge.succeeded", SupportedAPIVersion, true, store.EventIgnored},
		{true, "charge.succeeded", SupportedAPIVersion, false, store.EventIgnored},
		{false, "issuing_card.created", SupportedAPIVersion, false, store.EventIgnored},
		{false, "charge.succeeded", "2024-06-20", false, store.EventHeld},
		{false, "charge.succeeded", "", false, store.EventHeld},
	}
	for _, c := range cases {
		if got, reason := Classify(c.prod, c.typ, c.ver, c.live); got != c.want || (got != store.EventReceived && reason == "") {
			t.Errorf("Classify(%v, %s, %s, %v): got %s %q, want %s with a reason", c.prod, c.typ, c.ver, c.live, got, reason, c.want)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
