package views

import "strings"

// refOr names an order by its reference (ORD-…), else by our number.
func refOr(id int64, ref string) string {
	if ref != "" {
		return ref
	}
	return itoa(id)
}

func upper(s string) string { return strings.ToUpper(s) }

// evidence is what a seller sends the bank for each of Stripe's dispute
// reasons: an intro and a checklist, plain text.
var evidence = map[string]struct {
	intro string
	items []string
}{
	"fraudulent": {"The cardholder says they did not make this payment. Show that they did.", []string{
		"Proof of delivery to the cardholder's billing address (carrier, tracking number, signature).",
		"The buyer's messages with you about the order.",
		"Earlier undisputed orders from the same buyer, card or address.",
		"For digital goods: the login, download or usage records with dates and IP addresses.",
	}},
	"product_not_received": {"The buyer says the order never arrived. Show that it did.", []string{
		"Carrier name, tracking number and proof of delivery with the date and address.",
		"For a service or digital goods: proof it was provided or used, with dates.",
		"The buyer's messages with you about the delivery.",
	}},
	"product_unacceptable": {"The buyer says the item was defective, damaged or not as described. Show it was as described.", []string{
		"The listing or description the buyer saw when ordering.",
		"Photos of the item as shipped, and proof of delivery.",
		"Your return policy and whether the buyer tried to return the item.",
		"The buyer's messages with you about the problem.",
	}},
	"duplicate": {"The buyer says they were charged twice. Show the payments are for different things.", []string{
		"Both receipts or invoices, showing what each payment was for.",
		"Proof that each order was delivered separately.",
		"If one payment was refunded: the refund and its date.",
	}},
	"subscription_canceled": {"The buyer says they cancelled before this charge. Show the charge was due.", []string{
		"Your cancellation policy as the buyer agreed to it.",
		"The dates of signup, of this charge and of any cancellation request.",
		"Use of the service after the date they say they cancelled.",
	}},
	"credit_not_processed": {"The buyer says a promised refund or credit never came. Show none was owed, or that it was made.", []string{
		"Your refund policy as the buyer saw it.",
		"Why no refund was owed (for example: the item was never returned).",
		"If a refund was made: its date and amount.",
	}},
	"unrecognized": {"The buyer does not recognise the payment. Show what it was for.", []string{
		"A receipt with your business name as it appears on statements.",
		"Proof of delivery and the buyer's messages with you.",
	}},
}

// genericEvidence is for the reasons not listed (general, bank reasons).
var genericEvidence = []string{
	"A receipt or invoice for the order.",
	"Proof of delivery or of the service provided, with dates.",
	"The buyer's messages with you about the order.",
	"Your refund and cancellation policies as the buyer saw them.",
}

// EvidenceIntro says what the dispute's reason means for the seller.
func EvidenceIntro(reason string) string {
	if e, ok := evidence[reason]; ok {
		return e.intro
	}
	return "Send what shows the payment was for goods or a service the buyer received."
}

// EvidenceChecklist is what to send the bank for a dispute's reason.
func EvidenceChecklist(reason string) []string {
	if e, ok := evidence[reason]; ok {
		return e.items
	}
	return genericEvidence
}
