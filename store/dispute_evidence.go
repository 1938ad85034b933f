package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Evidence is what the console sends Stripe for a dispute, in our words. The
// job maps it onto Stripe's evidence fields (jobs.evidenceParams).
type Evidence struct {
	ProductDescription     string `db:"product_description" json:"product_description"`
	CustomerCommunication  string `db:"customer_communication" json:"customer_communication"`
	ShippingCarrier        string `db:"shipping_carrier" json:"shipping_carrier"`
	ShippingTrackingNumber string `db:"shipping_tracking_number" json:"shipping_tracking_number"`
	RefundPolicy           string `db:"refund_policy" json:"refund_policy"`
	UncategorizedText      string `db:"uncategorized_text" json:"uncategorized_text"`
}

// Evidence field names, as the form posts them.
const (
	EvidenceProductDescription     = "product_description"
	EvidenceCustomerCommunication  = "customer_communication"
	EvidenceShippingCarrier        = "shipping_carrier"
	EvidenceShippingTrackingNumber = "shipping_tracking_number"
	EvidenceRefundPolicy           = "refund_policy"
	EvidenceUncategorizedText      = "uncategorized_text"
)

// EvidenceField is one field of the evidence form.
type EvidenceField struct {
	Name  string
	Label string
	Hint  string
	// Max is the most characters the field takes; Long fields are text areas.
	Max  int
	Long bool
}

// Evidence text limits. Stripe takes 20,000 characters in each text field;
// customer communication goes into Stripe's uncategorized text with ours, so
// the two share that room.
const (
	EvidenceTextMax  = 9_000
	EvidenceShortMax = 500
)

// EvidenceFields are every field of the evidence form, in form order.
var EvidenceFields = []EvidenceField{
	{EvidenceProductDescription, "Product description", "What was sold, as the buyer saw it when ordering.", EvidenceTextMax, true},
	{EvidenceCustomerCommunication, "Customer communication", "The buyer's messages with you about the order, with dates (paste them as text).", EvidenceTextMax, true},
	{EvidenceShippingCarrier, "Shipping carrier", "The carrier that delivered the order, e.g. UPS.", EvidenceShortMax, false},
	{EvidenceShippingTrackingNumber, "Tracking number", "The carrier's tracking number for the delivery.", EvidenceShortMax, false},
	{EvidenceRefundPolicy, "Refund policy", "Your refund or cancellation policy as the buyer saw it, and how it was shown to them.", EvidenceTextMax, true},
	{EvidenceUncategorizedText, "Anything else", "Any other fact the bank should weigh.", EvidenceTextMax, true},
}

// evidenceByReason names the fields that matter for each of Stripe's dispute
// reasons (uncategorized text always does); other reasons get them all.
var evidenceByReason = map[string][]string{
	"fraudulent":            {EvidenceProductDescription, EvidenceCustomerCommunication, EvidenceShippingCarrier, EvidenceShippingTrackingNumber},
	"product_not_received":  {EvidenceProductDescription, EvidenceCustomerCommunication, EvidenceShippingCarrier, EvidenceShippingTrackingNumber},
	"product_unacceptable":  {EvidenceProductDescription, EvidenceCustomerCommunication, EvidenceShippingCarrier, EvidenceShippingTrackingNumber, EvidenceRefundPolicy},
	"duplicate":             {EvidenceProductDescription, EvidenceCustomerCommunication},
	"subscription_canceled": {EvidenceProductDescription, EvidenceCustomerCommunication, EvidenceRefundPolicy},
	"credit_not_processed":  {EvidenceProductDescription, EvidenceCustomerCommunication, EvidenceRefundPolicy},
	"unrecognized":          {EvidenceProductDescription, EvidenceCustomerCommunication, EvidenceShippingCarrier, EvidenceShippingTrackingNumber},
}

// EvidenceFieldsFor returns the form's fields for a dispute's reason.
func EvidenceFieldsFor(reason string) []EvidenceField {
	names, ok := evidenceByReason[reason]
	if !ok {
		return EvidenceFields
	}
	var out []EvidenceField
	for _, f := range EvidenceFields {
		if f.Name == EvidenceUncategorizedText || slices.Contains(names, f.Name) {
			out = append(out, f)
		}
	}
	return out
}

// Field returns the value of the field named name ("" for an unknown name).
func (e Evidence) Field(name string) string {
	if p := e.field(name); p != nil {
		return *p
	}
	return ""
}

// SetField sets the field named name; it reports false for an unknown name.
func (e *Evidence) SetField(name, v string) bool {
	p := e.field(name)
	if p != nil {
		*p = v
	}
	return p != nil
}

func (e *Evidence) field(name string) *string {
	switch name {
	case EvidenceProductDescription:
		return &e.ProductDescription
	case EvidenceCustomerCommunication:
		return &e.CustomerCommunication
	case EvidenceShippingCarrier:
		return &e.ShippingCarrier
	case EvidenceShippingTrackingNumber:
		return &e.ShippingTrackingNumber
	case EvidenceRefundPolicy:
		return &e.RefundPolicy
	case EvidenceUncategorizedText:
		return &e.UncategorizedText
	}
	return nil
}

// Redacted is the evidence with secrets and card numbers in every field
// replaced, as ticket notes are (Redact): evidence is stored, shown and sent
// to Stripe only after this.
func (e Evidence) Redacted() Evidence {
	for _, f := range EvidenceFields {
		e.SetField(f.Name, Redact(e.Field(f.Name)))
	}
	return e
}

// Empty reports whether no field has any text.
func (e Evidence) Empty() bool {
	for _, f := range EvidenceFields {
		if strings.TrimSpace(e.Field(f.Name)) != "" {
			return false
		}
	}
	return true
}

// Problem says what is wrong with the evidence, in the form's words ("" when
// nothing is): a field too long, or one with a NUL character.
func (e Evidence) Problem() string {
	for _, f := range EvidenceFields {
		v := e.Field(f.Name)
		switch {
		case strings.ContainsRune(v, 0):
			return f.Label + " contains a NUL character; remove it."
		case !utf8.ValidString(v):
			return f.Label + " is not valid UTF-8 text."
		case utf8.RuneCountInString(v) > f.Max:
			return fmt.Sprintf("%s is at most %d characters (it has %d).", f.Label, f.Max, utf8.RuneCountInString(v))
		}
	}
	return ""
}

// EvidenceDraft is a dispute's evidence as last saved in the console.
type EvidenceDraft struct {
	DisputeID int64 `db:"dispute_id"`
	Evidence
	UpdatedBy string    `db:"updated_by"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Evidence submission statuses: ours, about asking Stripe. What the bank
// decides arrives later in Stripe's dispute events.
const (
	EvidenceRequested = "requested" // written; the job has not reached Stripe yet
	EvidenceSubmitted = "submitted" // Stripe took the evidence and sent it to the bank
	EvidenceFailed    = "failed"    // Stripe refused it, or we could not ask
)

// EvidenceSubmission is one submission of a dispute's evidence to Stripe.
type EvidenceSubmission struct {
	ID              int64    `db:"id"`
	DisputeID       int64    `db:"dispute_id"`
	FormKey         string   `db:"form_key"`
	Evidence        Evidence `db:"evidence"`
	SubmittedBy     string   `db:"submitted_by"`
	Status          string   `db:"status"`
	StripeRequestID string   `db:"stripe_request_id"`
	ErrorCode       string   `db:"error_code"`
	ErrorMessage    string   `db:"error_message"`
	StripeAttempts
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// IdempotencyKey is the Idempotency-Key of the submission's Stripe call: the
// same for every attempt, so Stripe takes the evidence once however often it
// is asked.
func (s EvidenceSubmission) IdempotencyKey() string {
	return fmt.Sprintf("switchboard-dispute-evidence-%d", s.ID)
}

// Evidence refusals: why a dispute's evidence may not be saved or submitted.
var (
	// ErrDisputeClosed: Stripe closed the dispute (won, lost, refunded) or it left the queue.
	ErrDisputeClosed = errors.New("the dispute is closed")
	// ErrEvidenceOverdue: the evidence deadline has passed.
	ErrEvidenceOverdue = errors.New("the evidence deadline has passed")
	// ErrEvidenceSubmitted: evidence was already submitted (here or in Stripe's Dashboard).
	ErrEvidenceSubmitted = errors.New("evidence was already submitted")
	// ErrEvidenceInFlight: a submission is on its way to Stripe and has not reached it yet.
	ErrEvidenceInFlight = errors.New("evidence is on its way to Stripe")
	// ErrEvidenceEmpty: there is nothing to submit.
	ErrEvidenceEmpty = errors.New("the evidence is empty")
	// ErrEvidenceInvalid: a field is too long or has a NUL character (Evidence.Problem).
	ErrEvidenceInvalid = errors.New("the evidence is not valid")
)

// CheckEvidence is the rule for changing a dispute's evidence at now: the
// dispute still waits for a response (not closed by Stripe or taken out of
// the queue, not under review), its deadline has not passed, and no
// submission is on its way or done. subs are the dispute's submissions.
func CheckEvidence(d Dispute, subs []EvidenceSubmission, now time.Time) error {
	switch {
	case DisputeClosed(d.Stage) || d.QueueState == QueueClosed:
		return ErrDisputeClosed
	case d.Stage == DisputeStageUnderReview || slices.ContainsFunc(subs, func(s EvidenceSubmission) bool { return s.Status == EvidenceSubmitted }):
		return ErrEvidenceSubmitted
	case slices.ContainsFunc(subs, func(s EvidenceSubmission) bool { return s.Status == EvidenceRequested }):
		return ErrEvidenceInFlight
	case d.EvidenceDueBy != nil && !now.Before(*d.EvidenceDueBy):
		return ErrEvidenceOverdue
	}
	return nil
}

// EvidenceRefusal says in the console's words why CheckEvidence refused
// ("" for any other error).
func EvidenceRefusal(err error, d Dispute) string {
	switch {
	case errors.Is(err, ErrDisputeClosed):
		if d.QueueState == QueueClosed && !DisputeClosed(d.Stage) {
			return "This dispute was closed from the queue, so Switchboard takes no more evidence for it. Respond in Stripe's Dashboard if it still needs an answer."
		}
		return "This dispute is closed (Stripe status " + d.Status + "): Stripe takes no more evidence for it."
	case errors.Is(err, ErrEvidenceSubmitted):
		return "Evidence for this dispute was already submitted to Stripe; Stripe takes it only once. The bank decides now."
	case errors.Is(err, ErrEvidenceInFlight):
		return "Evidence is on its way to Stripe but has not reached it yet (see its state above). The form opens again if Stripe refuses it for good."
	case errors.Is(err, ErrEvidenceOverdue):
		due := ""
		if d.EvidenceDueBy != nil {
			due = " (" + d.EvidenceDueBy.UTC().Format("2006-01-02 15:04 UTC") + ")"
		}
		return "The evidence deadline" + due + " has passed: Stripe no longer takes evidence for this dispute, and the bank decides without it."
	case errors.Is(err, ErrEvidenceEmpty):
		return "The evidence is empty: fill in at least one field and save it before submitting."
	}
	return ""
}
